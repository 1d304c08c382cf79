// SwiGLU: out[t, i] = silu(gate_up[t, i]) * gate_up[t, INTERMEDIATE + i], silu(z) = z / (1 + e^-z).
// gate and up come from one fused matmul, gate in the first half of each row.
//
// Bindings:
//   0 rows     uniform { count }                 number of tokens T
//   1 gate_up  array<f32> [T, 2 * INTERMEDIATE]
//   2 out      array<f32> [T, INTERMEDIATE]
// Overrides: INTERMEDIATE
// Grid: (ceil(INTERMEDIATE / 256), T)
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> gate_up: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override INTERMEDIATE: u32;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let token = gid.y;
  let i = gid.x;
  if (token >= rows.count || i >= INTERMEDIATE) { return; }
  let gate = gate_up[token * 2u * INTERMEDIATE + i];
  let up = gate_up[token * 2u * INTERMEDIATE + INTERMEDIATE + i];
  out[token * INTERMEDIATE + i] = gate / (1.0 + exp(-gate)) * up;
}
