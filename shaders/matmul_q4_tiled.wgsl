// Tiled matmul over 4-bit weights for many rows (prefill): y[m, N_OFFSET + n] = Σ_k x[m, k] · w[n, k]
// (+ bias), w[n, k] = (q[n, k] − z[n, g(k)]) · s[n, g(k)] in f32 (layout: src/gpu/q4-weights.ts).
// A workgroup computes a 64×64 tile of y, each thread 4×4, as matmul_tiled.wgsl does; per 16-wide
// k slice, 128 threads each read one qweight word of the 64 weight rows and dequantize its 8
// weights into workgroup memory once, where all 64 rows of x use them (k-major, conflict free).
// A folded RMSNorm runs as a separate dispatch before this kernel (linear-q4.ts).
//
// group_params, Eight and dequant8 come from q4_dequant.wgsl, which the wrapper appends.
//
// Bindings:
//   0 rows     uniform { count }                  M
//   1 x        array<f32> [M, K]
//   2 qweight  array<u32> [CHUNK_N, K / 8]        8 nibbles per word, low nibble first
//   3 scales   array<u32> [CHUNK_N, SCALE_WORDS]  f16 pairs, group g in half g & 1 of word g >> 1
//   4 zeros    array<u32> [CHUNK_N, ZERO_WORDS]   byte g & 3 of word g >> 2
//   5 bias     array<u32> [ceil(N / 2)]           f16 pairs (any buffer when !HAS_BIAS)
//   6 y        array<f32> [M, OUT_STRIDE]         written, or added to with ACCUMULATE
//   7 groups   array<u32> [K]                     act-order group of each k (any buffer when !ACT_ORDER)
// Overrides: K (a multiple of 8), GROUP_SIZE, SCALE_WORDS, ZERO_WORDS, CHUNK_N, N_OFFSET,
//            OUT_STRIDE, HAS_BIAS, ACCUMULATE (y += instead of y =), ACT_ORDER
// Grid: (ceil(CHUNK_N / 64), ceil(M / 64))
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> qweight: array<u32>;
@group(0) @binding(3) var<storage, read> scales: array<u32>;
@group(0) @binding(4) var<storage, read> zeros: array<u32>;
@group(0) @binding(5) var<storage, read> bias: array<u32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<storage, read> group_index: array<u32>;

override K: u32;
override GROUP_SIZE: u32;
override SCALE_WORDS: u32;
override ZERO_WORDS: u32;
override CHUNK_N: u32;
override N_OFFSET: u32 = 0u;
override OUT_STRIDE: u32;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;
override ACT_ORDER: bool = false;

const TILE = 64u;
const TILE_K = 16u;

var<workgroup> x_tile: array<f32, 1024>;  // [TILE_K, TILE] k-major
var<workgroup> w_tile: array<f32, 1024>;  // [TILE_K, TILE] k-major, dequantized

fn store(i: u32, value: f32) {
  if (ACCUMULATE) { y[i] += value; } else { y[i] = value; }
}

fn bias_at(i: u32) -> f32 {
  let pair = unpack2x16float(bias[i / 2u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m_count = rows.count;
  let n0 = wid.x * TILE;
  let m0 = wid.y * TILE;
  let tx = lid % 16u;  // output columns tx·4 ..
  let ty = lid / 16u;  // output rows ty·4 ..
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < K; k0 += TILE_K) {
    for (var i = 0u; i < 4u; i++) {
      let index = lid * 4u + i;
      let mm = index / TILE_K;
      let kk = index % TILE_K;
      let m = m0 + mm;
      let k = k0 + kk;
      var value = 0.0;
      if (m < m_count && k < K) { value = x[m * K + k]; }
      x_tile[kk * TILE + mm] = value;
    }
    if (lid < TILE * 2u) {
      let nn = lid / 2u;
      let kw = lid % 2u;  // which of the slice's two words
      let n = n0 + nn;
      let k = k0 + kw * 8u;
      var v = Eight(vec4<f32>(0.0), vec4<f32>(0.0));
      if (n < CHUNK_N && k < K) { v = dequant8(n, k / 8u, K / 8u); }
      let base = kw * 8u * TILE + nn;
      w_tile[base] = v.lo.x;
      w_tile[base + TILE] = v.lo.y;
      w_tile[base + 2u * TILE] = v.lo.z;
      w_tile[base + 3u * TILE] = v.lo.w;
      w_tile[base + 4u * TILE] = v.hi.x;
      w_tile[base + 5u * TILE] = v.hi.y;
      w_tile[base + 6u * TILE] = v.hi.z;
      w_tile[base + 7u * TILE] = v.hi.w;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let a = vec4<f32>(x_tile[kk * TILE + ty * 4u], x_tile[kk * TILE + ty * 4u + 1u],
                        x_tile[kk * TILE + ty * 4u + 2u], x_tile[kk * TILE + ty * 4u + 3u]);
      let b = vec4<f32>(w_tile[kk * TILE + tx * 4u], w_tile[kk * TILE + tx * 4u + 1u],
                        w_tile[kk * TILE + tx * 4u + 2u], w_tile[kk * TILE + tx * 4u + 3u]);
      acc[0] += a.x * b;
      acc[1] += a.y * b;
      acc[2] += a.z * b;
      acc[3] += a.w * b;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + ty * 4u + i;
    if (m >= m_count) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + tx * 4u + j;
      if (n < CHUNK_N) {
        var b = 0.0;
        if (HAS_BIAS) { b = bias_at(N_OFFSET + n); }
        store(m * OUT_STRIDE + N_OFFSET + n, acc[i][j] + b);
      }
    }
  }
}
