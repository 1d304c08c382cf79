// Tiled matmul for many rows (prefill): y[m, N_OFFSET + n] = Σ_k x[m, k] · W[n, k] (+ bias).
// A workgroup computes a 64×64 tile of y, each thread 4×4, staging 64×16 slices of x and W in
// workgroup memory (k-major, so the inner loop reads are bank-conflict free).
//
// Bindings:
//   0 rows  uniform { count }                      M
//   1 x     array<f32> [M, K]
//   2 w     array<u32> [CHUNK_N, ROW_VEC4 · 4]    f16 pairs, rows zero-padded to 8 halves
//   3 bias  array<u32> [ceil(N / 2)]               f16 pairs (any buffer when !HAS_BIAS)
//   4 y     array<f32> [M, OUT_STRIDE]          written, or added to with ACCUMULATE
// Overrides: K, CHUNK_N, N_OFFSET, OUT_STRIDE, ROW_VEC4 (= ceil(K / 8)), HAS_BIAS,
//            ACCUMULATE (y += instead of y =)
// Grid: (ceil(CHUNK_N / 64), ceil(M / 64))
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

override K: u32;
override CHUNK_N: u32;
override N_OFFSET: u32 = 0u;
override OUT_STRIDE: u32;
override ROW_VEC4: u32;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;

const TILE = 64u;
const TILE_K = 16u;

var<workgroup> x_tile: array<f32, 1024>;  // [TILE_K, TILE] k-major
var<workgroup> w_tile: array<f32, 1024>;  // [TILE_K, TILE] k-major

/** With ACCUMULATE the result is added to y: the residual connection, fused into o_proj and down. */
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
  let row_words = ROW_VEC4 * 4u;
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
    for (var i = 0u; i < 2u; i++) {
      let index = lid * 2u + i;
      let nn = index / 8u;
      let kp = index % 8u;
      let n = n0 + nn;
      let k = k0 + kp * 2u;
      var pair = vec2<f32>(0.0);
      if (n < CHUNK_N && k < K) { pair = unpack2x16float(w[n * row_words + k / 2u]); }
      w_tile[kp * 2u * TILE + nn] = pair.x;
      w_tile[(kp * 2u + 1u) * TILE + nn] = pair.y;
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
