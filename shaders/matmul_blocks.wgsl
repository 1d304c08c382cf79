// Matmul for CPU adapters (SwiftShader), any row count: y[m, N_OFFSET + n] = Σ_k x[m, k] · W[n, k]
// (+ bias[N_OFFSET + n]). One invocation computes a block of 8 x rows × 8 weight rows with no
// workgroup memory and no barriers (on a CPU every barrier switches between all of a workgroup's
// invocations). On a CPU the loads, not the multiply-adds, are what costs: a block reuses each x
// value for 8 weight rows and each weight word for 8 x rows (one weight row per invocation, which
// loads every x value once per output column, was 3.5x slower on SwiftShader at 512 rows).
// With NORM the input is RMS-normalised on the fly, as in matmul_decode.wgsl:
//   y[m, n] = s_m · Σ_k x[m, k] · g[k] · W[n, k],  s_m = 1 / sqrt(mean_k x[m, k]² + EPS)
//
// Bindings (0-5 as matmul_decode.wgsl):
//   0 rows  uniform { count }                       M (row group z covers rows 8z .. 8z + 8)
//   1 x     array<f32> [M, K]
//   2 w     array<vec4<u32>> [CHUNK_N, ROW_VEC4]   f16 pairs, rows zero-padded to 8 halves
//   3 bias  array<u32> [ceil(N / 2)]                f16 pairs (any buffer when !HAS_BIAS)
//   4 y     array<f32> [M, OUT_STRIDE]              written, or added to with ACCUMULATE
//   5 norm  array<vec4<u32>> [ROW_VEC4]             f16 RMSNorm weight g (any buffer when !NORM)
//   6 epilogue uniform { CHUNK_N, N_OFFSET, OUT_STRIDE, HAS_BIAS, ACCUMULATE }
// Overrides: K, ROW_VEC4 (= ceil(K / 8)), NORM, EPS: what the inner loop depends on. The rest is a
// uniform, so projections with the same K and NORM share a pipeline (SwiftShader compiles each
// for ~80 ms, most of a small model's load time) at no cost in speed.
// Grid: ceil(CHUNK_N / 8 / WORKGROUP) workgroups, laid out (x, y) with x ≤ the per-dimension limit,
//       times z = ceil(M / 8) row groups
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read> norm: array<vec4<u32>>;

override K: u32;
override ROW_VEC4: u32;
override NORM: bool = false;
override EPS: f32 = 1e-6;

/** What the epilogue needs, as a uniform so that projections of one K and NORM share a pipeline. */
struct Epilogue { chunk_n: u32, n_offset: u32, out_stride: u32, has_bias: u32, accumulate: u32 }
@group(0) @binding(6) var<uniform> epilogue: Epilogue;

const ROWS = 8u;
const COLS = 8u;
const WORKGROUP = 64u;

fn store(i: u32, value: f32) {
  if (epilogue.accumulate != 0u) { y[i] += value; } else { y[i] = value; }
}

fn bias_at(i: u32) -> f32 {
  let pair = unpack2x16float(bias[i / 2u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}

struct Eight { lo: vec4<f32>, hi: vec4<f32> }

fn unpack8(word: vec4<u32>) -> Eight {
  return Eight(vec4<f32>(unpack2x16float(word.x), unpack2x16float(word.y)),
               vec4<f32>(unpack2x16float(word.z), unpack2x16float(word.w)));
}

/** Weight row n's 8 halves at word c (zero past CHUNK_N), times g when NORM. */
fn weights8(n: u32, c: u32, g: Eight) -> Eight {
  if (n >= epilogue.chunk_n) { return Eight(vec4<f32>(0.0), vec4<f32>(0.0)); }
  let v = unpack8(w[n * ROW_VEC4 + c]);
  if (NORM) { return Eight(v.lo * g.lo, v.hi * g.hi); }
  return v;
}

/** x[row, k0 .. k0 + 8], zero at or past k = K (the weight row's zero padding). */
fn load8(row: u32, k0: u32) -> Eight {
  let base = row * K + k0;
  if (k0 + 8u <= K) {
    return Eight(vec4<f32>(x[base], x[base + 1u], x[base + 2u], x[base + 3u]),
                 vec4<f32>(x[base + 4u], x[base + 5u], x[base + 6u], x[base + 7u]));
  }
  var v = array<f32, 8>();
  for (var j = 0u; j < 8u; j++) {
    if (k0 + j < K) { v[j] = x[base + j]; }
  }
  return Eight(vec4<f32>(v[0], v[1], v[2], v[3]), vec4<f32>(v[4], v[5], v[6], v[7]));
}

/** x · w for four weight rows. */
fn dots4(a: Eight, b: Eight, c: Eight, d: Eight, xs: Eight) -> vec4<f32> {
  return vec4<f32>(dot(a.lo, xs.lo) + dot(a.hi, xs.hi), dot(b.lo, xs.lo) + dot(b.hi, xs.hi),
                   dot(c.lo, xs.lo) + dot(c.hi, xs.hi), dot(d.lo, xs.lo) + dot(d.hi, xs.hi));
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m0 = wid.z * ROWS;
  if (m0 >= rows.count) { return; }
  let m_count = min(rows.count - m0, ROWS);
  let n0 = ((wid.y * groups.x + wid.x) * WORKGROUP + lid) * COLS;
  if (n0 >= epilogue.chunk_n) { return; }
  var first: array<vec4<f32>, ROWS>;  // first[m][j]: x row m0 + m · weight row n0 + j
  var second: array<vec4<f32>, ROWS>;  // second[m][j]: x row m0 + m · weight row n0 + 4 + j
  var sq: array<f32, ROWS>;
  let one = Eight(vec4<f32>(1.0), vec4<f32>(1.0));
  for (var c = 0u; c < ROW_VEC4; c++) {
    var g = one;
    if (NORM) { g = unpack8(norm[c]); }
    let w0 = weights8(n0, c, g);
    let w1 = weights8(n0 + 1u, c, g);
    let w2 = weights8(n0 + 2u, c, g);
    let w3 = weights8(n0 + 3u, c, g);
    let w4 = weights8(n0 + 4u, c, g);
    let w5 = weights8(n0 + 5u, c, g);
    let w6 = weights8(n0 + 6u, c, g);
    let w7 = weights8(n0 + 7u, c, g);
    for (var m = 0u; m < m_count; m++) {
      let xs = load8(m0 + m, c * 8u);
      first[m] += dots4(w0, w1, w2, w3, xs);
      second[m] += dots4(w4, w5, w6, w7, xs);
      if (NORM) { sq[m] += dot(xs.lo, xs.lo) + dot(xs.hi, xs.hi); }
    }
  }
  for (var j = 0u; j < COLS; j++) {
    let n = n0 + j;
    if (n >= epilogue.chunk_n) { break; }
    var b = 0.0;
    if (epilogue.has_bias != 0u) { b = bias_at(epilogue.n_offset + n); }
    for (var m = 0u; m < m_count; m++) {
      let scale = select(1.0, inverseSqrt(sq[m] / f32(K) + EPS), NORM);
      let dot_mn = select(second[m][j % 4u], first[m][j % 4u], j < 4u);
      store((m0 + m) * epilogue.out_stride + epilogue.n_offset + n, dot_mn * scale + b);
    }
  }
}
