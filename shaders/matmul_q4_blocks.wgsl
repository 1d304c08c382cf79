// Matmul over 4-bit weights for CPU adapters (SwiftShader), any row count:
// y[m, N_OFFSET + n] = Σ_k x[m, k] · w[n, k] (+ bias[N_OFFSET + n]),
// w[n, k] = (q[n, k] − z[n, g(k)]) · s[n, g(k)] in f32 (layout: src/gpu/q4-weights.ts).
// As matmul_blocks.wgsl: one invocation computes 8 x rows × 8 weight rows with no workgroup memory
// and no barriers; each qweight word is read and dequantized once per invocation for its 8 x rows.
// Without ACT_ORDER a row's (scale, zero) is loaded once per group, not per word.
// With NORM the input is RMS-normalised on the fly, as in matmul_decode.wgsl:
//   y[m, n] = s_m · Σ_k x[m, k] · g[k] · w[n, k],  s_m = 1 / sqrt(mean_k x[m, k]² + EPS)
//
// group_params and Eight come from q4_dequant.wgsl, which the wrapper appends.
//
// Bindings (0-8 as matmul_q4_decode.wgsl):
//   0 rows     uniform { count }                  M (row group z covers rows 8z .. 8z + 8)
//   1 x        array<f32> [M, K]
//   2 qweight  array<u32> [CHUNK_N, K / 8]        8 nibbles per word, low nibble first
//   3 scales   array<u32> [CHUNK_N, SCALE_WORDS]  f16 pairs, group g in half g & 1 of word g >> 1
//   4 zeros    array<u32> [CHUNK_N, ZERO_WORDS]   byte g & 3 of word g >> 2
//   5 bias     array<u32> [ceil(N / 2)]           f16 pairs (any buffer when !HAS_BIAS)
//   6 y        array<f32> [M, OUT_STRIDE]         written, or added to with ACCUMULATE
//   7 norm     array<u32> [ceil(K / 2)]           f16 pairs, RMSNorm weight g (any buffer when !NORM)
//   8 groups   array<u32> [K]                     act-order group of each k (any buffer when !ACT_ORDER)
//   9 epilogue uniform { CHUNK_N, N_OFFSET, OUT_STRIDE, HAS_BIAS, ACCUMULATE }
// Overrides: K (a multiple of 8), GROUP_SIZE, SCALE_WORDS, ZERO_WORDS, NORM, EPS, ACT_ORDER: what
// the inner loop depends on; the rest is a uniform so projections of one shape share a pipeline.
// Grid: ceil(CHUNK_N / 8 / WORKGROUP) workgroups, laid out (x, y) with x ≤ the per-dimension limit,
//       times z = ceil(M / 8) row groups
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
override NORM: bool = false;
override EPS: f32 = 1e-6;
override ACT_ORDER: bool = false;

struct Epilogue { chunk_n: u32, n_offset: u32, out_stride: u32, has_bias: u32, accumulate: u32 }
@group(0) @binding(9) var<uniform> epilogue: Epilogue;

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


/**
 * Weight row n's 8 weights at word c (zero past CHUNK_N), times g when NORM; p is the row's
 * (scale, zero) for the word's group unless ACT_ORDER, where each weight looks up its own.
 */
fn weights8(n: u32, c: u32, p: vec2<f32>, g: Eight) -> Eight {
  if (n >= epilogue.chunk_n) { return Eight(vec4<f32>(0.0), vec4<f32>(0.0)); }
  let word = qweight[n * (K / 8u) + c];
  var v = Eight(vec4<f32>(vec4<u32>(word, word >> 4u, word >> 8u, word >> 12u) & vec4<u32>(15u)),
                vec4<f32>(vec4<u32>(word >> 16u, word >> 20u, word >> 24u, word >> 28u) & vec4<u32>(15u)));
  if (ACT_ORDER) {
    var e = array<f32, 8>(v.lo.x, v.lo.y, v.lo.z, v.lo.w, v.hi.x, v.hi.y, v.hi.z, v.hi.w);
    for (var i = 0u; i < 8u; i++) {
      let pi = group_params(n, group_index[c * 8u + i]);
      e[i] = (e[i] - pi.y) * pi.x;
    }
    v = Eight(vec4<f32>(e[0], e[1], e[2], e[3]), vec4<f32>(e[4], e[5], e[6], e[7]));
  } else {
    v = Eight((v.lo - p.y) * p.x, (v.hi - p.y) * p.x);
  }
  if (NORM) { return Eight(v.lo * g.lo, v.hi * g.hi); }
  return v;
}

fn load8(row: u32, k0: u32) -> Eight {
  let base = row * K + k0;
  return Eight(vec4<f32>(x[base], x[base + 1u], x[base + 2u], x[base + 3u]),
               vec4<f32>(x[base + 4u], x[base + 5u], x[base + 6u], x[base + 7u]));
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
  let last = min(n0 + COLS, epilogue.chunk_n) - 1u;
  var first: array<vec4<f32>, ROWS>;  // first[m][j]: x row m0 + m · weight row n0 + j
  var second: array<vec4<f32>, ROWS>;  // second[m][j]: x row m0 + m · weight row n0 + 4 + j
  var sq: array<f32, ROWS>;
  var p: array<vec2<f32>, COLS>;  // (scale, zero) of each weight row for the current group
  var g = Eight(vec4<f32>(1.0), vec4<f32>(1.0));
  for (var c = 0u; c < K / 8u; c++) {
    if (!ACT_ORDER && (c * 8u) % GROUP_SIZE == 0u) {
      for (var j = 0u; j < COLS; j++) { p[j] = group_params(min(n0 + j, last), c * 8u / GROUP_SIZE); }
    }
    if (NORM) {
      g = Eight(vec4<f32>(unpack2x16float(norm[c * 4u]), unpack2x16float(norm[c * 4u + 1u])),
                vec4<f32>(unpack2x16float(norm[c * 4u + 2u]), unpack2x16float(norm[c * 4u + 3u])));
    }
    let w0 = weights8(n0, c, p[0], g);
    let w1 = weights8(n0 + 1u, c, p[1], g);
    let w2 = weights8(n0 + 2u, c, p[2], g);
    let w3 = weights8(n0 + 3u, c, p[3], g);
    let w4 = weights8(n0 + 4u, c, p[4], g);
    let w5 = weights8(n0 + 5u, c, p[5], g);
    let w6 = weights8(n0 + 6u, c, p[6], g);
    let w7 = weights8(n0 + 7u, c, p[7], g);
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
