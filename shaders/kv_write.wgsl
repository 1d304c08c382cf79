// KV write: copies each token's key and value heads from the fused qkv rows into the paged pools
// at the token's slot (slot = physical block · BLOCK_SIZE + offset in block), rounded to f16 and
// packed two per u32 (pack2x16float: dimension 2w in the low half, 2w + 1 in the high half), so no
// `shader-f16` is needed. HEAD_DIM is even (config.ts refuses odd head_dim).
// A slot of 0xffffffff means "no slot" (padding) and is skipped.
//
// Bindings:
//   0 rows          uniform { count }                                 number of tokens T
//   1 qkv           array<f32> [T, QKV_WIDTH]   k heads at K_OFFSET, v heads after them
//   2 slot_mapping  array<u32> [>= T]
//   3 k_pool        array<u32> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM / 2]   packed f16 pairs
//   4 v_pool        array<u32> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM / 2]   packed f16 pairs
// Overrides: HEAD_DIM, KV_HEADS, BLOCK_SIZE, QKV_WIDTH, K_OFFSET (= q_heads · HEAD_DIM)
// Grid: (ceil(KV_HEADS · HEAD_DIM / 2 / 64), T): one invocation per packed pair
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> slot_mapping: array<u32>;
@group(0) @binding(3) var<storage, read_write> k_pool: array<u32>;
@group(0) @binding(4) var<storage, read_write> v_pool: array<u32>;

override HEAD_DIM: u32;
override KV_HEADS: u32;
override BLOCK_SIZE: u32 = 16u;
override QKV_WIDTH: u32;
override K_OFFSET: u32;
override HEAD_WORDS: u32 = HEAD_DIM / 2u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let token = gid.y;
  let i = gid.x;  // index of a pair within the token's KV_HEADS · HEAD_DIM values
  if (token >= rows.count || i >= KV_HEADS * HEAD_WORDS) { return; }
  let slot = slot_mapping[token];
  if (slot == 0xffffffffu) { return; }
  let head = i / HEAD_WORDS;
  let w = i % HEAD_WORDS;
  let block = slot / BLOCK_SIZE;
  let offset = slot % BLOCK_SIZE;
  let dst = ((block * KV_HEADS + head) * BLOCK_SIZE + offset) * HEAD_WORDS + w;
  let k = token * QKV_WIDTH + K_OFFSET + 2u * i;
  let v = k + KV_HEADS * HEAD_DIM;
  k_pool[dst] = pack2x16float(vec2<f32>(qkv[k], qkv[k + 1u]));
  v_pool[dst] = pack2x16float(vec2<f32>(qkv[v], qkv[v + 1u]));
}
