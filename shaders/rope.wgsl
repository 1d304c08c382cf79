// Rotary position embedding (rotate-half / NeoX layout), in place on the fused qkv rows, for the
// query heads and the key heads; with QK_NORM (Qwen3) each head is first RMS-normalised with its
// q_norm / k_norm weight, as transformers does before RoPE.
//   x' = rmsnorm(x) if QK_NORM;  a = position · inv_freq[i]   (i < HALF)
//   out[i] = x'[i]·cos a − x'[i+HALF]·sin a;  out[i+HALF] = x'[i+HALF]·cos a + x'[i]·sin a
//
// Bindings:
//   0 rows       uniform { count }             number of tokens T
//   1 qkv        array<f32> [T, QKV_WIDTH]     q heads from column 0, then k heads (read, written)
//   2 positions  array<u32> [>= T]             absolute position of each token
//   3 inv_freq   array<f32> [HALF]             per-pair frequency, rope scaling already applied
//   4 norm       array<u32> [HEAD_DIM]         f16 pairs: q_norm weight, then k_norm weight
// Overrides: HEAD_DIM (even), Q_HEADS, KV_HEADS, QKV_WIDTH, QK_NORM, EPS,
//            WORKGROUP (power of two ≥ HEAD_DIM / 2)
// Grid: (Q_HEADS + KV_HEADS, T)
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read_write> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<u32>;
@group(0) @binding(3) var<storage, read> inv_freq: array<f32>;
@group(0) @binding(4) var<storage, read> norm: array<u32>;

override HEAD_DIM: u32;
override Q_HEADS: u32;
override KV_HEADS: u32;
override QKV_WIDTH: u32;
override QK_NORM: bool = false;
override EPS: f32 = 1e-6;
override WORKGROUP: u32 = 64u;

// π/2 split in three so j·PIO2_A and j·PIO2_B are exact for the j a context can reach (Cody–Waite).
const PIO2_A = 1.5703125;
const PIO2_B = 4.837512969970703125e-4;
const PIO2_C = 7.54978995489188216e-8;

var<workgroup> partial: array<f32, WORKGROUP>;

fn norm_weight(i: u32) -> f32 {
  let pair = unpack2x16float(norm[i / 2u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}

/**
 * (sin a, cos a) to ~1e-7: WGSL's builtin sin/cos are only required to be accurate to 2^-11
 * (SwiftShader's are off by ~2e-4), too coarse to match PyTorch. Reduce to [-π/4, π/4] by
 * quarter turns, then minimax polynomials (as in Cephes' sinf/cosf).
 */
fn sin_cos(a: f32) -> vec2<f32> {
  let j = round(a * 0.636619772367581343);
  let r = ((a - j * PIO2_A) - j * PIO2_B) - j * PIO2_C;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  let quadrant = i32(j) & 3;
  switch quadrant {
    case 0: { return vec2<f32>(s, c); }
    case 1: { return vec2<f32>(c, -s); }
    case 2: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  let token = wid.y;
  if (token >= rows.count) { return; }
  let half = HEAD_DIM / 2u;
  let base = token * QKV_WIDTH + head * HEAD_DIM;
  let in_half = lid < half;
  var lo = 0.0;
  var hi = 0.0;
  if (in_half) {
    lo = qkv[base + lid];
    hi = qkv[base + lid + half];
  }
  if (QK_NORM) {
    partial[lid] = lo * lo + hi * hi;
    workgroupBarrier();
    for (var width = WORKGROUP / 2u; width > 0u; width /= 2u) {
      if (lid < width) { partial[lid] += partial[lid + width]; }
      workgroupBarrier();
    }
    let scale = inverseSqrt(partial[0] / f32(HEAD_DIM) + EPS);
    // q heads use the first HEAD_DIM weights, k heads the second.
    let weight_base = select(HEAD_DIM, 0u, head < Q_HEADS);
    if (in_half) {
      lo = norm_weight(weight_base + lid) * (lo * scale);
      hi = norm_weight(weight_base + lid + half) * (hi * scale);
    }
  }
  if (!in_half) { return; }
  let rotation = sin_cos(f32(positions[token]) * inv_freq[lid]);
  let s = rotation.x;
  let c = rotation.y;
  qkv[base + lid] = lo * c - hi * s;
  qkv[base + lid + half] = hi * c + lo * s;
}
