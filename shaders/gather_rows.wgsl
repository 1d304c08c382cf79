// Row gather: out[r, :] = x[indices[r], :] — picks the rows that sample (e.g. each sequence's last
// token) so the final norm and LM head run only on those.
//
// Bindings:
//   0 rows     uniform { count }     number of gathered rows S
//   1 x        array<f32> [T, DIM]
//   2 indices  array<u32> [>= S]     row of x for each output row
//   3 out      array<f32> [S, DIM]
// Overrides: DIM
// Grid: (ceil(DIM / 256), S)
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override DIM: u32;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.y >= rows.count || gid.x >= DIM) { return; }
  out[gid.y * DIM + gid.x] = x[indices[gid.y] * DIM + gid.x];
}
