// Causal grouped-query attention over a paged KV cache, one invocation per (token, q head) and no
// workgroup memory or barriers: the variant for CPU adapters (SwiftShader), where every barrier
// switches between all of a workgroup's invocations and costs far more than the arithmetic.
// Same math and bindings as paged_attention.wgsl:
//   score(s) = (q · k_s) · SCALE;  out = Σ_s softmax(score)_s · v_s;  kv head = head / (Q_HEADS / KV_HEADS)
// With a sliding window only the last WINDOW keys (the query's own included) take part.
// Online softmax; the running sums are rescaled only when the maximum grows. The pools hold f16
// pairs packed two per u32 (kv_write.wgsl), unpacked with unpack2x16float.
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
// Overrides: HEAD_DIM (even, ≤ 256), Q_HEADS, KV_HEADS, QKV_WIDTH, BLOCK_SIZE, MAX_BLOCKS, SCALE,
//            WINDOW (0: full causal attention)
// Grid: ceil(T · Q_HEADS / 64) workgroups of 64, laid out (x, y) with x ≤ the per-dimension limit
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
const MAX_HEAD_DIM = 256u;
const WORKGROUP = 64u;

// The head is handled 4 dimensions at a time: a CPU adapter keeps q and acc (arrays indexed by a
// loop variable) in memory and gathers them lane by lane, so vec4 elements mean 4x fewer of those.
// A quad is two packed words. With HEAD_DIM = 4i + 2 the last quad's second word is past the head
// (the next row's, or out of bounds): it reads as 0, q is 0 there too, and acc's lanes there are
// never written out.
const MAX_QUADS = MAX_HEAD_DIM / 4u;
override QUADS: u32 = (HEAD_DIM + 3u) / 4u;
override HEAD_WORDS: u32 = HEAD_DIM / 2u;

/** Dimensions 4i..4i+3 of the row at word offset `base`. */
fn pool_quad(pool_is_k: bool, base: u32, i: u32) -> vec4<f32> {
  let w = base + i * 2u;
  var words: vec2<u32>;
  if (pool_is_k) { words = vec2<u32>(k_pool[w], k_pool[w + 1u]); } else { words = vec2<u32>(v_pool[w], v_pool[w + 1u]); }
  return select(vec4<f32>(0.0), vec4<f32>(unpack2x16float(words.x), unpack2x16float(words.y)), inside(i));
}

/** Which of quad i's 4 dimensions lie inside the head. */
fn inside(i: u32) -> vec4<bool> {
  return vec4<u32>(0u, 1u, 2u, 3u) + i * 4u < vec4<u32>(HEAD_DIM);
}

/** The first key a query at `position` sees: transformers' sliding-window mask keeps s > position − WINDOW. */
fn first_key(position: u32) -> u32 {
  return select(0u, position + 1u - WINDOW, WINDOW > 0u && position >= WINDOW);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let index = (wid.y * groups.x + wid.x) * WORKGROUP + lid;
  let token = index / Q_HEADS;
  let head = index % Q_HEADS;
  if (token >= rows.count) { return; }
  let kv_head = head / (Q_HEADS / KV_HEADS);
  let seq = token_seq[token];
  let position = positions[token];
  let context = position + 1u;
  var q: array<vec4<f32>, MAX_QUADS>;
  var acc: array<vec4<f32>, MAX_QUADS>;
  let q_base = token * QKV_WIDTH + head * HEAD_DIM;
  for (var i = 0u; i < QUADS; i++) {
    let d = q_base + i * 4u;
    q[i] = select(vec4<f32>(0.0), vec4<f32>(qkv[d], qkv[d + 1u], qkv[d + 2u], qkv[d + 3u]) * SCALE, inside(i));
  }
  var running_max = -1e30;
  var running_sum = 0.0;
  for (var s = first_key(position); s < context; s++) {
    let block = block_tables[seq * MAX_BLOCKS + s / BLOCK_SIZE];
    let base = ((block * KV_HEADS + kv_head) * BLOCK_SIZE + s % BLOCK_SIZE) * HEAD_WORDS;
    var score = 0.0;
    for (var i = 0u; i < QUADS; i++) { score += dot(q[i], pool_quad(true, base, i)); }
    if (score > running_max) {
      let correction = exp(running_max - score);
      running_sum *= correction;
      for (var i = 0u; i < QUADS; i++) { acc[i] *= correction; }
      running_max = score;
    }
    let p = exp(score - running_max);
    running_sum += p;
    for (var i = 0u; i < QUADS; i++) { acc[i] += p * pool_quad(false, base, i); }
  }
  let out_base = (token * Q_HEADS + head) * HEAD_DIM;
  for (var i = 0u; i < QUADS; i++) {
    let value = acc[i] / running_sum;
    let ok = inside(i);
    for (var j = 0u; j < 4u; j++) {
      if (ok[j]) { out[out_base + i * 4u + j] = value[j]; }
    }
  }
}
