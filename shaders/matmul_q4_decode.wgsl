// Decode matmul over 4-bit weights for a few rows: y[m, N_OFFSET + n] = Σ_k x[m, k] · w[n, k]
// (+ bias[N_OFFSET + n]), m < M ≤ MAX_ROWS, w[n, k] = (q[n, k] − z[n, g(k)]) · s[n, g(k)] in f32
// (layout: src/gpu/q4-weights.ts). LANES invocations stream one weight row a u32 word (8 weights)
// at a time; each word is read once and dequantized in registers for all M rows, then lane_sums
// adds the lanes' partial sums (subgroup operations or a workgroup-memory tree: the lane_sums
// library the wrapper prepended). CPU adapters use matmul_q4_blocks.wgsl instead.
// With NORM the input is RMS-normalised on the fly, as in matmul_decode.wgsl:
//   y[m, n] = s_m · Σ_k x[m, k] · g[k] · w[n, k],  s_m = 1 / sqrt(mean_k x[m, k]² + EPS)
//
// group_params, Eight and dequant8 come from q4_dequant.wgsl, which the wrapper appends; LaneIds,
// lane_slot and lane_sums from lane_sums_subgroup.wgsl or lane_sums_workgroup.wgsl, prepended.
//
// Bindings:
//   0 rows     uniform { count }                  M (row group z covers rows 8z .. 8z + 8)
//   1 x        array<f32> [M, K]
//   2 qweight  array<u32> [CHUNK_N, K / 8]        8 nibbles per word, low nibble first
//   3 scales   array<u32> [CHUNK_N, SCALE_WORDS]  f16 pairs, group g in half g & 1 of word g >> 1
//   4 zeros    array<u32> [CHUNK_N, ZERO_WORDS]   byte g & 3 of word g >> 2
//   5 bias     array<u32> [ceil(N / 2)]           f16 pairs (any buffer when !HAS_BIAS)
//   6 y        array<f32> [M, OUT_STRIDE]         written, or added to with ACCUMULATE
//   7 norm     array<u32> [ceil(K / 2)]           f16 pairs, RMSNorm weight g (any buffer when !NORM)
//   8 groups   array<u32> [K]                     act-order group of each k (any buffer when !ACT_ORDER)
// Overrides: K (a multiple of 8), GROUP_SIZE, SCALE_WORDS, ZERO_WORDS, CHUNK_N, N_OFFSET,
//            OUT_STRIDE, HAS_BIAS, ACCUMULATE, NORM, EPS, ACT_ORDER, LANES (power of two ≤ 256)
// Grid: ceil(CHUNK_N / (256 / LANES)) workgroups, laid out (x, y) with x ≤ the per-dimension
//       limit, times z = ceil(M / MAX_ROWS) row groups
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> qweight: array<u32>;
@group(0) @binding(3) var<storage, read> scales: array<u32>;
@group(0) @binding(4) var<storage, read> zeros: array<u32>;
@group(0) @binding(5) var<storage, read> bias: array<u32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<storage, read> norm: array<u32>;
@group(0) @binding(8) var<storage, read> group_index: array<u32>;

override K: u32;
override GROUP_SIZE: u32;
override SCALE_WORDS: u32;
override ZERO_WORDS: u32;
override CHUNK_N: u32;
override N_OFFSET: u32 = 0u;
override OUT_STRIDE: u32;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;
override NORM: bool = false;
override EPS: f32 = 1e-6;
override ACT_ORDER: bool = false;
override LANES: u32 = 32u;

const MAX_ROWS = 8u;
const WORKGROUP = 256u;
const SUMS = MAX_ROWS;  // lane_sums pairs: one per row

fn store(i: u32, value: f32) {
  if (ACCUMULATE) { y[i] += value; } else { y[i] = value; }
}

fn bias_at(i: u32) -> f32 {
  let pair = unpack2x16float(bias[i / 2u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}

fn load8(base: u32) -> Eight {
  return Eight(vec4<f32>(x[base], x[base + 1u], x[base + 2u], x[base + 3u]),
               vec4<f32>(x[base + 4u], x[base + 5u], x[base + 6u], x[base + 7u]));
}

@compute @workgroup_size(WORKGROUP)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  ids: LaneIds,
) {
  let m0 = wid.z * MAX_ROWS;
  if (m0 >= rows.count) { return; }
  let m_count = min(rows.count - m0, MAX_ROWS);
  let slot = lane_slot(ids);
  let lane = slot % LANES;
  let n = (wid.y * groups.x + wid.x) * (WORKGROUP / LANES) + slot / LANES;
  var sums = array<vec2<f32>, SUMS>();  // per row (Σ x·w, Σ x² with NORM)
  if (n < CHUNK_N) {
    for (var c = lane; c < K / 8u; c += LANES) {
      var weights = dequant8(n, c, K / 8u);
      if (NORM) {
        let g = Eight(vec4<f32>(unpack2x16float(norm[c * 4u]), unpack2x16float(norm[c * 4u + 1u])),
                      vec4<f32>(unpack2x16float(norm[c * 4u + 2u]), unpack2x16float(norm[c * 4u + 3u])));
        weights = Eight(weights.lo * g.lo, weights.hi * g.hi);
      }
      for (var m = 0u; m < MAX_ROWS; m++) {
        if (m >= m_count) { break; }
        let xs = load8((m0 + m) * K + c * 8u);
        sums[m].x += dot(weights.lo, xs.lo) + dot(weights.hi, xs.hi);
        if (NORM) { sums[m].y += dot(xs.lo, xs.lo) + dot(xs.hi, xs.hi); }
      }
    }
  }
  lane_sums(ids, slot, &sums, m_count);  // only the rows present: a decode step usually has one
  if (lane == 0u && n < CHUNK_N) {
    var b = 0.0;
    if (HAS_BIAS) { b = bias_at(N_OFFSET + n); }
    for (var m = 0u; m < m_count; m++) {
      let scale = select(1.0, inverseSqrt(sums[m].y / f32(K) + EPS), NORM);
      store((m0 + m) * OUT_STRIDE + N_OFFSET + n, sums[m].x * scale + b);
    }
  }
}
