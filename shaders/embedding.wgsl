// Embedding gather: out[t, :] = f32(table[ids[t], :]) for t < rows.count.
// A table larger than one binding is split by rows into chunks; each chunk's dispatch writes only
// the tokens whose id falls inside it.
//
// Bindings:
//   0 rows   uniform { count }                 number of tokens T
//   1 table  array<u32> [CHUNK_ROWS, ROW_STRIDE] f16 pairs, row r = vocab id CHUNK_START + r
//   2 ids    array<u32> [>= T]
//   3 out    array<f32> [T, HIDDEN]
// Overrides: HIDDEN, ROW_STRIDE (u32 words per table row), CHUNK_START, CHUNK_ROWS
// Grid: (ceil(ceil(HIDDEN / 2) / 64), T)
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read> ids: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override HIDDEN: u32;
override ROW_STRIDE: u32;
override CHUNK_START: u32 = 0u;
override CHUNK_ROWS: u32;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let token = gid.y;
  let pair = gid.x;
  if (token >= rows.count || pair * 2u >= HIDDEN) { return; }
  let id = ids[token];
  if (id < CHUNK_START || id >= CHUNK_START + CHUNK_ROWS) { return; }
  let values = unpack2x16float(table[(id - CHUNK_START) * ROW_STRIDE + pair]);
  let base = token * HIDDEN + pair * 2u;
  out[base] = values.x;
  if (pair * 2u + 1u < HIDDEN) { out[base + 1u] = values.y; }
}
