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

const TWO_PI_HI = 6.28318548202514648;   // f32(2π)
const TWO_PI_LO = -1.7484555314695172e-7; // 2π − f32(2π)

var<workgroup> partial: array<f32, WORKGROUP>;

fn norm_weight(i: u32) -> f32 {
  let pair = unpack2x16float(norm[i / 2u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
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
  let angle = f32(positions[token]) * inv_freq[lid];
  // Reduce to [-π, π] first: GPU sin/cos are only accurate on a small range.
  let turns = round(angle / TWO_PI_HI);
  let reduced = (angle - turns * TWO_PI_HI) - turns * TWO_PI_LO;
  let c = cos(reduced);
  let s = sin(reduced);
  qkv[base + lid] = lo * c - hi * s;
  qkv[base + lid + half] = hi * c + lo * s;
}
