// Causal grouped-query attention over a paged KV cache, for a mixed batch: every row is one token
// of some sequence (a prompt chunk or a decode step) and attends to its sequence's keys at
// positions 0..=position[t], found through the sequence's block table. Online softmax over
// chunks of WORKGROUP keys, so any context length works.
//   score(s) = (q · k_s) · SCALE;  out = Σ_s softmax(score)_s · v_s;  kv head = head / (Q_HEADS / KV_HEADS)
//
// Bindings:
//   0 rows          uniform { count }                                  number of tokens T
//   1 qkv           array<f32> [T, QKV_WIDTH]       q heads from column 0
//   2 k_pool        array<f32> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM]
//   3 v_pool        array<f32> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM]
//   4 positions     array<u32> [>= T]               absolute position of each token
//   5 token_seq     array<u32> [>= T]               which sequence (block table row) each token is in
//   6 block_tables  array<u32> [num_seqs, MAX_BLOCKS]
//   7 out           array<f32> [T, Q_HEADS · HEAD_DIM]
// Overrides: HEAD_DIM (≤ 4 · WORKGROUP), Q_HEADS, KV_HEADS, QKV_WIDTH, BLOCK_SIZE, MAX_BLOCKS,
//            SCALE, WORKGROUP
// Grid: (Q_HEADS, T)
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> k_pool: array<f32>;
@group(0) @binding(3) var<storage, read> v_pool: array<f32>;
@group(0) @binding(4) var<storage, read> positions: array<u32>;
@group(0) @binding(5) var<storage, read> token_seq: array<u32>;
@group(0) @binding(6) var<storage, read> block_tables: array<u32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;

override HEAD_DIM: u32;
override Q_HEADS: u32;
override KV_HEADS: u32;
override QKV_WIDTH: u32;
override BLOCK_SIZE: u32 = 16u;
override MAX_BLOCKS: u32;
override SCALE: f32;
override WORKGROUP: u32 = 64u;
const DIMS_PER_THREAD = 4u;
const MASKED = -1e30;

var<workgroup> q: array<f32, HEAD_DIM>;
var<workgroup> scores: array<f32, WORKGROUP>;
var<workgroup> probs: array<f32, WORKGROUP>;

/** Offset of (position s, head dim 0) in a pool, for kv head `kv_head` of sequence `seq`. */
fn pool_offset(seq: u32, kv_head: u32, s: u32) -> u32 {
  let block = block_tables[seq * MAX_BLOCKS + s / BLOCK_SIZE];
  return ((block * KV_HEADS + kv_head) * BLOCK_SIZE + s % BLOCK_SIZE) * HEAD_DIM;
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  let token = wid.y;
  if (token >= rows.count) { return; }
  let kv_head = head / (Q_HEADS / KV_HEADS);
  let seq = token_seq[token];
  let context = positions[token] + 1u;
  for (var d = lid; d < HEAD_DIM; d += WORKGROUP) {
    q[d] = qkv[token * QKV_WIDTH + head * HEAD_DIM + d];
  }
  workgroupBarrier();

  var running_max = MASKED;
  var running_sum = 0.0;
  var acc = array<f32, DIMS_PER_THREAD>(0.0, 0.0, 0.0, 0.0);
  for (var start = 0u; start < context; start += WORKGROUP) {
    let s = start + lid;
    var score = MASKED;
    if (s < context) {
      let base = pool_offset(seq, kv_head, s);
      var dot = 0.0;
      for (var d = 0u; d < HEAD_DIM; d++) { dot += q[d] * k_pool[base + d]; }
      score = dot * SCALE;
    }
    scores[lid] = score;
    workgroupBarrier();
    let count = min(WORKGROUP, context - start);
    var chunk_max = running_max;
    for (var j = 0u; j < count; j++) { chunk_max = max(chunk_max, scores[j]); }
    probs[lid] = select(0.0, exp(score - chunk_max), s < context);
    workgroupBarrier();
    let correction = exp(running_max - chunk_max);
    running_sum *= correction;
    for (var i = 0u; i < DIMS_PER_THREAD; i++) { acc[i] *= correction; }
    for (var j = 0u; j < count; j++) {
      let p = probs[j];
      running_sum += p;
      let base = pool_offset(seq, kv_head, start + j);
      for (var i = 0u; i < DIMS_PER_THREAD; i++) {
        let d = lid + i * WORKGROUP;
        if (d < HEAD_DIM) { acc[i] += p * v_pool[base + d]; }
      }
    }
    running_max = chunk_max;
    workgroupBarrier();
  }
  for (var i = 0u; i < DIMS_PER_THREAD; i++) {
    let d = lid + i * WORKGROUP;
    if (d < HEAD_DIM) { out[(token * Q_HEADS + head) * HEAD_DIM + d] = acc[i] / running_sum; }
  }
}
