// Embedding gather from a 4-bit table: out[t, k] = w[ids[t], k] for t < rows.count, with
// w[n, k] = (q[n, k] − z[n, g(k)]) · s[n, g(k)] in f32 (layout: src/gpu/q4-weights.ts).
// One invocation dequantizes one qweight word (8 values). A table larger than one binding is
// split by rows into chunks; each chunk's dispatch writes only the tokens whose id falls inside it.
//
// group_params, Eight and dequant8 come from q4_dequant.wgsl, which the wrapper appends.
//
// Bindings:
//   0 rows     uniform { count }                     number of tokens T
//   1 qweight  array<u32> [CHUNK_ROWS, HIDDEN / 8]   row r = vocab id CHUNK_START + r
//   2 scales   array<u32> [CHUNK_ROWS, SCALE_WORDS]  f16 pairs, group g in half g & 1 of word g >> 1
//   3 zeros    array<u32> [CHUNK_ROWS, ZERO_WORDS]   byte g & 3 of word g >> 2
//   4 ids      array<u32> [>= T]
//   5 out      array<f32> [T, HIDDEN]
//   6 groups   array<u32> [HIDDEN]                   act-order group of each k (any buffer when !ACT_ORDER)
// Overrides: HIDDEN (a multiple of 8), GROUP_SIZE, SCALE_WORDS, ZERO_WORDS, CHUNK_START,
//            CHUNK_ROWS, ACT_ORDER
// Grid: (ceil(HIDDEN / 8 / 64), T)
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> qweight: array<u32>;
@group(0) @binding(2) var<storage, read> scales: array<u32>;
@group(0) @binding(3) var<storage, read> zeros: array<u32>;
@group(0) @binding(4) var<storage, read> ids: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read> group_index: array<u32>;

override HIDDEN: u32;
override GROUP_SIZE: u32;
override SCALE_WORDS: u32;
override ZERO_WORDS: u32;
override CHUNK_START: u32 = 0u;
override CHUNK_ROWS: u32;
override ACT_ORDER: bool = false;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let token = gid.y;
  let c = gid.x;
  if (token >= rows.count || c >= HIDDEN / 8u) { return; }
  let id = ids[token];
  if (id < CHUNK_START || id >= CHUNK_START + CHUNK_ROWS) { return; }
  let v = dequant8(id - CHUNK_START, c, HIDDEN / 8u);
  let base = token * HIDDEN + c * 8u;
  out[base] = v.lo.x;
  out[base + 1u] = v.lo.y;
  out[base + 2u] = v.lo.z;
  out[base + 3u] = v.lo.w;
  out[base + 4u] = v.hi.x;
  out[base + 5u] = v.hi.y;
  out[base + 6u] = v.hi.z;
  out[base + 7u] = v.hi.w;
}
