// Decode matmul for a few rows: y[m, N_OFFSET + n] = Σ_k x[m, k] · W[n, k] (+ bias[N_OFFSET + n]),
// m < M ≤ MAX_ROWS. Each weight row is read once for all M rows, which is what bounds decode
// speed: LANES invocations stream one weight row in 16-byte words (8 halves), then lane_sums adds
// their partial sums: with subgroup operations or a workgroup-memory tree, whichever lane_sums
// library the wrapper prepended (lane_sums_*.wgsl). CPU adapters use matmul_blocks.wgsl instead.
// With NORM the input is RMS-normalised on the fly (the layer's input_layernorm folded in):
//   y[m, n] = s_m · Σ_k x[m, k] · g[k] · W[n, k],  s_m = 1 / sqrt(mean_k x[m, k]² + EPS)
// which equals (rmsnorm(x) · Wᵀ) since s_m is one scalar per row; Σ x² rides along the same loop.
//
// LaneIds, lane_slot and lane_sums come from the prepended lane_sums library.
//
// Bindings:
//   0 rows  uniform { count }                       M (row group z covers rows 8z .. 8z + 8)
//   1 x     array<f32> [M, K]
//   2 w     array<vec4<u32>> [CHUNK_N, ROW_VEC4]   f16 pairs, rows zero-padded to 8 halves
//   3 bias  array<u32> [ceil(N / 2)]                f16 pairs (any buffer when !HAS_BIAS)
//   4 y     array<f32> [M, OUT_STRIDE]              written, or added to with ACCUMULATE
//   5 norm  array<vec4<u32>> [ROW_VEC4]             f16 RMSNorm weight g (any buffer when !NORM)
// Overrides: K, CHUNK_N (weight rows in this binding), N_OFFSET (output column of row 0),
//            OUT_STRIDE, ROW_VEC4 (= ceil(K / 8)), HAS_BIAS, ACCUMULATE (y += instead of y =),
//            NORM, EPS, LANES (power of two ≤ 256)
// Grid: ceil(CHUNK_N / (256 / LANES)) workgroups, laid out (x, y) with x ≤ the per-dimension
//       limit, times z = ceil(M / MAX_ROWS) row groups
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read> norm: array<vec4<u32>>;

override K: u32;
override CHUNK_N: u32;
override N_OFFSET: u32 = 0u;
override OUT_STRIDE: u32;
override ROW_VEC4: u32;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;
override NORM: bool = false;
override EPS: f32 = 1e-6;
override LANES: u32 = 32u;

const MAX_ROWS = 8u;
const WORKGROUP = 256u;
const SUMS = MAX_ROWS;  // lane_sums pairs: one per row

/** With ACCUMULATE the result is added to y: the residual connection, fused into o_proj and down. */
fn store(i: u32, value: f32) {
  if (ACCUMULATE) { y[i] += value; } else { y[i] = value; }
}

fn bias_at(i: u32) -> f32 {
  let pair = unpack2x16float(bias[i / 2u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}

fn unpack8(word: vec4<u32>) -> array<vec4<f32>, 2> {
  return array<vec4<f32>, 2>(
    vec4<f32>(unpack2x16float(word.x), unpack2x16float(word.y)),
    vec4<f32>(unpack2x16float(word.z), unpack2x16float(word.w)),
  );
}

/** x[row .. row + 8], reading nothing at or past k = K (the weight row's zero padding). */
fn load8(row: u32, k0: u32) -> array<vec4<f32>, 2> {
  if (k0 + 8u <= K) {
    return array<vec4<f32>, 2>(
      vec4<f32>(x[row], x[row + 1u], x[row + 2u], x[row + 3u]),
      vec4<f32>(x[row + 4u], x[row + 5u], x[row + 6u], x[row + 7u]),
    );
  }
  var values = array<f32, 8>();
  for (var j = 0u; j < 8u; j++) {
    if (k0 + j < K) { values[j] = x[row + j]; }
  }
  return array<vec4<f32>, 2>(
    vec4<f32>(values[0], values[1], values[2], values[3]),
    vec4<f32>(values[4], values[5], values[6], values[7]),
  );
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
    for (var c = lane; c < ROW_VEC4; c += LANES) {
      var weights = unpack8(w[n * ROW_VEC4 + c]);
      if (NORM) {
        let g = unpack8(norm[c]);
        weights[0] *= g[0];
        weights[1] *= g[1];
      }
      let k0 = c * 8u;
      for (var m = 0u; m < MAX_ROWS; m++) {
        if (m >= m_count) { break; }
        let xs = load8((m0 + m) * K + k0, k0);
        sums[m].x += dot(weights[0], xs[0]) + dot(weights[1], xs[1]);
        if (NORM) { sums[m].y += dot(xs[0], xs[0]) + dot(xs[1], xs[1]); }
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
