// Flash-decoding, partition pass: decode rows (one query token of a sequence) attend to their
// sequence's keys first..context-1 through its block table (first > 0 under a sliding window),
// that range split into partitions of PARTITION keys, one workgroup per (partition, HEADS query
// heads of one KV head, decode row).
// Each K and V row of the partition is read once (as vec4<u32>: 8 f16) for all HEADS heads.
//   score(s) = (q · k_s) · SCALE;  m = max_s score;  p_s = exp(score_s − m)
//   partial = (Σ_s p_s · v_s, m, Σ_s p_s)   over the partition's keys
// attention_reduce.wgsl combines a row's partials as online softmax does. A row whose context
// range fits one partition is finished here: out = Σ p_s · v_s / Σ p_s.
//
// Bindings:
//   0 decode_rows   array<vec4<u32>> [D]    (row, sequence, context, first key) per decode row
//   1 qkv           array<vec4<f32>> [T, QKV_WIDTH / 4]        q heads from column 0
//   2 k_pool        array<vec4<u32>> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM / 8]   packed f16
//   3 v_pool        array<vec4<u32>> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM / 8]   packed f16
//   4 block_tables  array<u32> [num_seqs, MAX_BLOCKS]
//   5 partials      array<vec4<f32>> [D_max, Q_HEADS, MAX_PARTITIONS, HEAD_DIM / 4 + 1]
//                   Σ p·v (unnormalised), then (m, Σ p, 0, 0)
//   6 out           array<vec4<f32>> [T, Q_HEADS · HEAD_DIM / 4]
// Overrides: HEAD_DIM (multiple of 8, ≤ 512), Q_HEADS, KV_HEADS, QKV_WIDTH, BLOCK_SIZE, MAX_BLOCKS,
//            SCALE, HEADS (divides Q_HEADS / KV_HEADS, ≤ 8), PARTITION, MAX_PARTITIONS
// Grid: (partitions of the longest decode row, Q_HEADS / HEADS, D)
@group(0) @binding(0) var<storage, read> decode_rows: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k_pool: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> v_pool: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> block_tables: array<u32>;
@group(0) @binding(5) var<storage, read_write> partials: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> out: array<vec4<f32>>;

override HEAD_DIM: u32;
override Q_HEADS: u32;
override KV_HEADS: u32;
override QKV_WIDTH: u32;
override BLOCK_SIZE: u32 = 16u;
override MAX_BLOCKS: u32;
override SCALE: f32;
override HEADS: u32;
override PARTITION: u32;
override MAX_PARTITIONS: u32;
override QUADS: u32 = HEAD_DIM / 4u;
override OCTS: u32 = HEAD_DIM / 8u;
// The value pass gives each invocation one vec4<u32> of the head (8 dims) for all HEADS heads;
// the workgroup's OCTS-wide lanes repeat over KEY_LANES interleaved subsets of the keys.
override KEY_LANES: u32 = WORKGROUP / OCTS;
override SLICES: u32 = Q_HEADS / KV_HEADS / HEADS;
const WORKGROUP = 64u;
const MAX_HEADS = 8u;
const MASKED = -1e30;

// q of the HEADS heads (scaled); after the score pass it holds the key lanes' summed Σ p·v.
var<workgroup> q: array<vec4<f32>, HEADS * QUADS>;
var<workgroup> logits: array<f32, HEADS * PARTITION>;
// Per head: the max reduction's WORKGROUP slots; after it, slot 0 holds m and slot 1 Σ p.
var<workgroup> reduce: array<f32, HEADS * WORKGROUP>;

/** vec4<u32> offset of (position s, dims 0..7) in a pool, for kv head `kv_head` of sequence `seq`. */
fn pool_row(seq: u32, kv_head: u32, s: u32) -> u32 {
  let block = block_tables[seq * MAX_BLOCKS + s / BLOCK_SIZE];
  return ((block * KV_HEADS + kv_head) * BLOCK_SIZE + s % BLOCK_SIZE) * OCTS;
}

fn halves(words: vec2<u32>) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(words.x), unpack2x16float(words.y));
}

fn partial_at(slot: u32, head: u32, part: u32) -> u32 {
  return ((slot * Q_HEADS + head) * MAX_PARTITIONS + part) * (QUADS + 1u);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let entry = decode_rows[wid.z];
  let row = entry.x;
  let seq = entry.y;
  let context = entry.z;
  let first = entry.w;
  let part = wid.x;
  let start = first + part * PARTITION;
  if (start >= context) { return; }
  let count = min(PARTITION, context - start);
  let first_head = wid.y * HEADS;
  let kv_head = wid.y / SLICES;
  let q_base = (row * QKV_WIDTH + first_head * HEAD_DIM) / 4u;
  for (var i = lid; i < HEADS * QUADS; i += WORKGROUP) { q[i] = qkv[q_base + i] * SCALE; }
  workgroupBarrier();

  // Scores: invocation lid takes keys lid, lid + 64, ...
  var local_max: array<f32, MAX_HEADS>;
  for (var h = 0u; h < HEADS; h++) { local_max[h] = MASKED; }
  for (var j = lid; j < count; j += WORKGROUP) {
    let base = pool_row(seq, kv_head, start + j);
    // Explicitly zeroed: SwiftShader kept a bare declaration's values from the previous iteration.
    var dots = array<f32, MAX_HEADS>();
    for (var o = 0u; o < OCTS; o++) {
      let words = k_pool[base + o];
      let k0 = halves(words.xy);
      let k1 = halves(words.zw);
      for (var h = 0u; h < HEADS; h++) {
        dots[h] += dot(q[h * QUADS + 2u * o], k0) + dot(q[h * QUADS + 2u * o + 1u], k1);
      }
    }
    for (var h = 0u; h < HEADS; h++) {
      logits[h * PARTITION + j] = dots[h];
      local_max[h] = max(local_max[h], dots[h]);
    }
  }
  for (var h = 0u; h < HEADS; h++) { reduce[h * WORKGROUP + lid] = local_max[h]; }
  workgroupBarrier();
  for (var stride = WORKGROUP / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      for (var h = 0u; h < HEADS; h++) {
        let at = h * WORKGROUP + lid;
        reduce[at] = max(reduce[at], reduce[at + stride]);
      }
    }
    workgroupBarrier();
  }
  for (var j = lid; j < count; j += WORKGROUP) {
    for (var h = 0u; h < HEADS; h++) { logits[h * PARTITION + j] = exp(logits[h * PARTITION + j] - reduce[h * WORKGROUP]); }
  }
  workgroupBarrier();

  // Values: each V word is read once and applied to every head.
  let lane = lid % OCTS;
  let key_lane = lid / OCTS;
  var acc: array<vec4<f32>, 2u * MAX_HEADS>;
  var sums: array<f32, MAX_HEADS>;
  if (key_lane < KEY_LANES) {
    for (var j = key_lane; j < count; j += KEY_LANES) {
      let words = v_pool[pool_row(seq, kv_head, start + j) + lane];
      let v0 = halves(words.xy);
      let v1 = halves(words.zw);
      for (var h = 0u; h < HEADS; h++) {
        let p = logits[h * PARTITION + j];
        sums[h] += p;
        acc[2u * h] += p * v0;
        acc[2u * h + 1u] += p * v1;
      }
    }
  }
  // The key lanes add their sums into q in turn (q is no longer read); Σ p into reduce slot 1.
  for (var turn = 0u; turn < KEY_LANES; turn++) {
    if (key_lane == turn) {
      for (var h = 0u; h < HEADS; h++) {
        let at = h * QUADS + 2u * lane;
        if (turn == 0u) {
          q[at] = acc[2u * h];
          q[at + 1u] = acc[2u * h + 1u];
          if (lane == 0u) { reduce[h * WORKGROUP + 1u] = sums[h]; }
        } else {
          q[at] += acc[2u * h];
          q[at + 1u] += acc[2u * h + 1u];
          if (lane == 0u) { reduce[h * WORKGROUP + 1u] += sums[h]; }
        }
      }
    }
    workgroupBarrier();
  }

  let sole = context - first <= PARTITION;
  for (var i = lid; i < HEADS * QUADS; i += WORKGROUP) {
    let h = i / QUADS;
    let quad = i % QUADS;
    let head = first_head + h;
    if (sole) {
      out[(row * Q_HEADS + head) * QUADS + quad] = q[i] / reduce[h * WORKGROUP + 1u];
    } else {
      partials[partial_at(wid.z, head, part) + quad] = q[i];
    }
  }
  if (!sole && lid < HEADS) {
    let at = lid * WORKGROUP;
    partials[partial_at(wid.z, first_head + lid, part) + QUADS] = vec4<f32>(reduce[at], reduce[at + 1u], 0.0, 0.0);
  }
}
