// Query-tiled causal attention for prompt chunks: a workgroup serves a tile of TILE consecutive
// rows of one sequence (at consecutive positions) times HEADS query heads of one KV head, one
// invocation per (row, head). The keys 0..last position of the tile are staged KEYS at a time in
// workgroup memory (read once as vec4<u32>, unpacked to f32) and shared by the whole tile; each
// query masks the keys past its own position. Online softmax, rescaled when the maximum grows.
//   score(s) = (q · k_s) · SCALE for first_key(position) ≤ s ≤ position;  out = Σ_s softmax(score)_s · v_s
// With a sliding window (WINDOW > 0) first_key is position − WINDOW + 1 (or 0), and the tile stages
// keys from its first row's first key only.
//
// Bindings:
//   0 tiles         array<vec4<u32>> [tiles]   (first row, rows ≤ TILE, sequence, first position)
//   1 qkv           array<vec4<f32>> [T, QKV_WIDTH / 4]        q heads from column 0
//   2 k_pool        array<vec4<u32>> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM / 8]   packed f16
//   3 v_pool        array<vec4<u32>> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM / 8]   packed f16
//   4 block_tables  array<u32> [num_seqs, MAX_BLOCKS]
//   5 out           array<vec4<f32>> [T, Q_HEADS · HEAD_DIM / 4]
// Overrides: HEAD_DIM (multiple of 8, ≤ 256), Q_HEADS, KV_HEADS, QKV_WIDTH, BLOCK_SIZE, MAX_BLOCKS,
//            SCALE, HEADS (divides Q_HEADS / KV_HEADS), TILE (TILE · HEADS ≤ 256), KEYS,
//            WINDOW (0: full causal attention)
// Grid: (Q_HEADS / HEADS, tiles)
@group(0) @binding(0) var<storage, read> tiles: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k_pool: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> v_pool: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> block_tables: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;

override HEAD_DIM: u32;
override Q_HEADS: u32;
override KV_HEADS: u32;
override QKV_WIDTH: u32;
override BLOCK_SIZE: u32 = 16u;
override MAX_BLOCKS: u32;
override SCALE: f32;
override WINDOW: u32 = 0u;
override HEADS: u32;
override TILE: u32;
override KEYS: u32;
override WORKGROUP: u32 = TILE * HEADS;
override QUADS: u32 = HEAD_DIM / 4u;
override OCTS: u32 = HEAD_DIM / 8u;
override SLICES: u32 = Q_HEADS / KV_HEADS / HEADS;
const MAX_QUADS = 64u;

var<workgroup> keys: array<vec4<f32>, KEYS * QUADS>;
var<workgroup> values: array<vec4<f32>, KEYS * QUADS>;

/** vec4<u32> offset of (position s, dims 0..7) in a pool, for kv head `kv_head` of sequence `seq`. */
fn pool_row(seq: u32, kv_head: u32, s: u32) -> u32 {
  let block = block_tables[seq * MAX_BLOCKS + s / BLOCK_SIZE];
  return ((block * KV_HEADS + kv_head) * BLOCK_SIZE + s % BLOCK_SIZE) * OCTS;
}

fn halves(words: vec2<u32>) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(words.x), unpack2x16float(words.y));
}

/** The first key a query at `position` sees: transformers' sliding-window mask keeps s > position − WINDOW. */
fn first_key(position: u32) -> u32 {
  return select(0u, position + 1u - WINDOW, WINDOW > 0u && position >= WINDOW);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tile = tiles[wid.y];
  let count = tile.y;
  let seq = tile.z;
  let context = tile.w + count;  // keys the tile's last row sees
  let t = lid / HEADS;
  let in_tile = t < count;
  let row = tile.x + min(t, count - 1u);
  let position = tile.w + t;
  let head = wid.x * HEADS + lid % HEADS;
  let kv_head = wid.x / SLICES;
  var q: array<vec4<f32>, MAX_QUADS>;
  var acc: array<vec4<f32>, MAX_QUADS>;
  let q_base = (row * QKV_WIDTH + head * HEAD_DIM) / 4u;
  for (var i = 0u; i < QUADS; i++) { q[i] = qkv[q_base + i] * SCALE; }
  var running_max = -1e30;
  var running_sum = 0.0;
  for (var start = first_key(tile.w); start < context; start += KEYS) {
    let chunk = min(KEYS, context - start);
    for (var i = lid; i < chunk * OCTS; i += WORKGROUP) {
      let at = pool_row(seq, kv_head, start + i / OCTS) + i % OCTS;
      let k = k_pool[at];
      let v = v_pool[at];
      keys[2u * i] = halves(k.xy);
      keys[2u * i + 1u] = halves(k.zw);
      values[2u * i] = halves(v.xy);
      values[2u * i + 1u] = halves(v.zw);
    }
    workgroupBarrier();
    // This row's keys in the chunk: [max(first key, start), min(position + 1, start + chunk)).
    var lo = start;
    var hi = start;
    if (in_tile) {
      lo = max(first_key(position), start);
      hi = min(position + 1u, start + chunk);
    }
    for (var s = lo; s < hi; s++) {
      let j = s - start;
      var score = 0.0;
      for (var i = 0u; i < QUADS; i++) { score += dot(q[i], keys[j * QUADS + i]); }
      if (score > running_max) {
        let correction = exp(running_max - score);
        running_sum *= correction;
        for (var i = 0u; i < QUADS; i++) { acc[i] *= correction; }
        running_max = score;
      }
      let p = exp(score - running_max);
      running_sum += p;
      for (var i = 0u; i < QUADS; i++) { acc[i] += p * values[j * QUADS + i]; }
    }
    workgroupBarrier();
  }
  if (in_tile) {
    let out_base = (row * Q_HEADS + head) * QUADS;
    for (var i = 0u; i < QUADS; i++) { out[out_base + i] = acc[i] / running_sum; }
  }
}
