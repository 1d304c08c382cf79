// Causal grouped-query attention over a paged KV cache, for a mixed batch: every row is one token
// of some sequence (a prompt chunk or a decode step) and attends to its sequence's keys at
// positions first_key(position[t])..=position[t], found through the sequence's block table.
// Online softmax over chunks of WORKGROUP keys, so any context length works. The pools hold f16 pairs packed two per
// u32 (kv_write.wgsl); each word is read whole and unpacked with unpack2x16float, with adjacent
// invocations reading adjacent words of a value row.
//   score(s) = (q · k_s) · SCALE;  out = Σ_s softmax(score)_s · v_s;  kv head = head / (Q_HEADS / KV_HEADS)
// With a sliding window only the last WINDOW keys (the query's own included) take part.
//
// Bindings:
//   0 rows          uniform { count }                                  number of tokens T
//   1 qkv           array<f32> [T, QKV_WIDTH]       q heads from column 0
//   2 k_pool        array<u32> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM / 2]   packed f16 pairs
//   3 v_pool        array<u32> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM / 2]   packed f16 pairs
//   4 positions     array<u32> [>= T]               absolute position of each token
//   5 token_seq     array<u32> [>= T]               which sequence (block table row) each token is in
//   6 block_tables  array<u32> [num_seqs, MAX_BLOCKS]
//   7 out           array<f32> [T, Q_HEADS · HEAD_DIM]
// Overrides: HEAD_DIM (even, ≤ 4 · WORKGROUP), Q_HEADS, KV_HEADS, QKV_WIDTH, BLOCK_SIZE, MAX_BLOCKS,
//            SCALE, WORKGROUP, WINDOW (0: full causal attention)
// Grid: (Q_HEADS, T)
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> k_pool: array<u32>;
@group(0) @binding(3) var<storage, read> v_pool: array<u32>;
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
override WINDOW: u32 = 0u;
override WORKGROUP: u32 = 64u;
override HEAD_WORDS: u32 = HEAD_DIM / 2u;
const WORDS_PER_THREAD = 2u;  // HEAD_WORDS ≤ 2 · WORKGROUP
const MASKED = -1e30;

var<workgroup> q: array<vec2<f32>, HEAD_WORDS>;
var<workgroup> scores: array<f32, WORKGROUP>;
var<workgroup> probs: array<f32, WORKGROUP>;

/** Word offset of (position s, head dims 0 and 1) in a pool, for kv head `kv_head` of sequence `seq`. */
fn pool_offset(seq: u32, kv_head: u32, s: u32) -> u32 {
  let block = block_tables[seq * MAX_BLOCKS + s / BLOCK_SIZE];
  return ((block * KV_HEADS + kv_head) * BLOCK_SIZE + s % BLOCK_SIZE) * HEAD_WORDS;
}

/** The first key a query at `position` sees: transformers' sliding-window mask keeps s > position − WINDOW. */
fn first_key(position: u32) -> u32 {
  return select(0u, position + 1u - WINDOW, WINDOW > 0u && position >= WINDOW);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  let token = wid.y;
  if (token >= rows.count) { return; }
  let kv_head = head / (Q_HEADS / KV_HEADS);
  let seq = token_seq[token];
  let position = positions[token];
  let context = position + 1u;
  for (var w = lid; w < HEAD_WORDS; w += WORKGROUP) {
    let d = token * QKV_WIDTH + head * HEAD_DIM + 2u * w;
    q[w] = vec2<f32>(qkv[d], qkv[d + 1u]);
  }
  workgroupBarrier();

  var running_max = MASKED;
  var running_sum = 0.0;
  var acc = array<vec2<f32>, WORDS_PER_THREAD>(vec2<f32>(0.0), vec2<f32>(0.0));
  for (var start = first_key(position); start < context; start += WORKGROUP) {
    let s = start + lid;
    var score = MASKED;
    if (s < context) {
      let base = pool_offset(seq, kv_head, s);
      var qk = 0.0;
      for (var w = 0u; w < HEAD_WORDS; w++) { qk += dot(q[w], unpack2x16float(k_pool[base + w])); }
      score = qk * SCALE;
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
    for (var i = 0u; i < WORDS_PER_THREAD; i++) { acc[i] *= correction; }
    for (var j = 0u; j < count; j++) {
      let p = probs[j];
      running_sum += p;
      let base = pool_offset(seq, kv_head, start + j);
      for (var i = 0u; i < WORDS_PER_THREAD; i++) {
        let w = lid + i * WORKGROUP;
        if (w < HEAD_WORDS) { acc[i] += p * unpack2x16float(v_pool[base + w]); }
      }
    }
    running_max = chunk_max;
    workgroupBarrier();
  }
  for (var i = 0u; i < WORDS_PER_THREAD; i++) {
    let w = lid + i * WORKGROUP;
    if (w < HEAD_WORDS) {
      let d = (token * Q_HEADS + head) * HEAD_DIM + 2u * w;
      let value = acc[i] / running_sum;
      out[d] = value.x;
      out[d + 1u] = value.y;
    }
  }
}
