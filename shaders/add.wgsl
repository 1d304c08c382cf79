// Residual add, in place: x[t, :] += delta[t, :].
//
// Bindings:
//   0 rows   uniform { count }      number of rows T
//   1 x      array<f32> [T, DIM]    read and written
//   2 delta  array<f32> [T, DIM]
// Overrides: DIM
// Grid: (ceil(DIM / 256), T)
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> delta: array<f32>;

override DIM: u32;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.y >= rows.count || gid.x >= DIM) { return; }
  let i = gid.y * DIM + gid.x;
  x[i] = x[i] + delta[i];
}
