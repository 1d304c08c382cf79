// Decode matmul for a few rows: y[m, N_OFFSET + n] = Σ_k x[m, k] · W[n, k] (+ bias[N_OFFSET + n]),
// m < M ≤ MAX_ROWS. Each weight row is read once for all M rows, which is what bounds decode
// speed: LANES invocations stream one weight row in 16-byte words (8 halves), then their partial
// sums are reduced in workgroup memory. On CPU adapters (SwiftShader) every barrier switches
// between all of a workgroup's invocations, so there LANES = 1: one invocation per output row and
// no barrier at all.
//
// Bindings:
//   0 rows  uniform { count }                       M, at most MAX_ROWS
//   1 x     array<f32> [M, K]
//   2 w     array<vec4<u32>> [CHUNK_N, ROW_VEC4]   f16 pairs, rows zero-padded to 8 halves
//   3 bias  array<u32> [ceil(N / 2)]                f16 pairs (any buffer when !HAS_BIAS)
//   4 y     array<f32> [M, OUT_STRIDE]          written, or added to with ACCUMULATE
// Overrides: K, CHUNK_N (weight rows in this binding), N_OFFSET (output column of row 0),
//            OUT_STRIDE, ROW_VEC4 (= ceil(K / 8)), HAS_BIAS, ACCUMULATE (y += instead of y =),
//            LANES (power of two ≤ 256)
// Grid: ceil(CHUNK_N / (256 / LANES)) workgroups, laid out (x, y) with x ≤ the per-dimension limit
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

override K: u32;
override CHUNK_N: u32;
override N_OFFSET: u32 = 0u;
override OUT_STRIDE: u32;
override ROW_VEC4: u32;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;
override LANES: u32 = 32u;

const MAX_ROWS = 8u;
const WORKGROUP = 256u;

var<workgroup> partial: array<f32, 2048>;  // [MAX_ROWS, WORKGROUP]

/** With ACCUMULATE the result is added to y: the residual connection, fused into o_proj and down. */
fn store(i: u32, value: f32) {
  if (ACCUMULATE) { y[i] += value; } else { y[i] = value; }
}

fn bias_at(i: u32) -> f32 {
  let pair = unpack2x16float(bias[i / 2u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let m_count = min(rows.count, MAX_ROWS);
  let lane = lid % LANES;
  let n = (wid.y * groups.x + wid.x) * (WORKGROUP / LANES) + lid / LANES;
  var acc = array<f32, MAX_ROWS>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  if (n < CHUNK_N) {
    for (var c = lane; c < ROW_VEC4; c += LANES) {
      let word = w[n * ROW_VEC4 + c];
      let w01 = unpack2x16float(word.x);
      let w23 = unpack2x16float(word.y);
      let w45 = unpack2x16float(word.z);
      let w67 = unpack2x16float(word.w);
      let k0 = c * 8u;
      for (var m = 0u; m < MAX_ROWS; m++) {
        if (m >= m_count) { break; }
        let row = m * K + k0;
        if (k0 + 8u <= K) {
          acc[m] += w01.x * x[row] + w01.y * x[row + 1u] + w23.x * x[row + 2u] + w23.y * x[row + 3u]
            + w45.x * x[row + 4u] + w45.y * x[row + 5u] + w67.x * x[row + 6u] + w67.y * x[row + 7u];
        } else {
          // The row's padded tail: weights there are zero, but x must not be read past K.
          let weights = array<f32, 8>(w01.x, w01.y, w23.x, w23.y, w45.x, w45.y, w67.x, w67.y);
          for (var j = 0u; j < 8u; j++) {
            if (k0 + j < K) { acc[m] += weights[j] * x[row + j]; }
          }
        }
      }
    }
  }
  var b = 0.0;
  if (HAS_BIAS && n < CHUNK_N) { b = bias_at(N_OFFSET + n); }
  if (LANES == 1u) {
    if (n < CHUNK_N) {
      for (var m = 0u; m < m_count; m++) { store(m * OUT_STRIDE + N_OFFSET + n, acc[m] + b); }
    }
    return;
  }
  for (var m = 0u; m < MAX_ROWS; m++) { partial[m * WORKGROUP + lid] = acc[m]; }
  workgroupBarrier();
  for (var width = LANES / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      for (var m = 0u; m < MAX_ROWS; m++) {
        partial[m * WORKGROUP + lid] += partial[m * WORKGROUP + lid + width];
      }
    }
    workgroupBarrier();
  }
  if (lane == 0u && n < CHUNK_N) {
    for (var m = 0u; m < m_count; m++) {
      store(m * OUT_STRIDE + N_OFFSET + n, partial[m * WORKGROUP + lid] + b);
    }
  }
}
