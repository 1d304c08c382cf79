// KV write: copies each token's key and value heads from the fused qkv rows into the paged pools
// at the token's slot (slot = physical block · BLOCK_SIZE + offset in block).
// A slot of 0xffffffff means "no slot" (padding) and is skipped.
//
// Bindings:
//   0 rows          uniform { count }                                 number of tokens T
//   1 qkv           array<f32> [T, QKV_WIDTH]   k heads at K_OFFSET, v heads after them
//   2 slot_mapping  array<u32> [>= T]
//   3 k_pool        array<f32> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM]
//   4 v_pool        array<f32> [num_blocks, KV_HEADS, BLOCK_SIZE, HEAD_DIM]
// Overrides: HEAD_DIM, KV_HEADS, BLOCK_SIZE, QKV_WIDTH, K_OFFSET (= q_heads · HEAD_DIM)
// Grid: (ceil(KV_HEADS · HEAD_DIM / 64), T)
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> slot_mapping: array<u32>;
@group(0) @binding(3) var<storage, read_write> k_pool: array<f32>;
@group(0) @binding(4) var<storage, read_write> v_pool: array<f32>;

override HEAD_DIM: u32;
override KV_HEADS: u32;
override BLOCK_SIZE: u32 = 16u;
override QKV_WIDTH: u32;
override K_OFFSET: u32;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let token = gid.y;
  let i = gid.x;  // index within the token's KV_HEADS · HEAD_DIM values
  if (token >= rows.count || i >= KV_HEADS * HEAD_DIM) { return; }
  let slot = slot_mapping[token];
  if (slot == 0xffffffffu) { return; }
  let head = i / HEAD_DIM;
  let d = i % HEAD_DIM;
  let block = slot / BLOCK_SIZE;
  let offset = slot % BLOCK_SIZE;
  let dst = ((block * KV_HEADS + head) * BLOCK_SIZE + offset) * HEAD_DIM + d;
  let src = token * QKV_WIDTH + K_OFFSET + i;
  k_pool[dst] = qkv[src];
  v_pool[dst] = qkv[src + KV_HEADS * HEAD_DIM];
}
