// Plain copy, dst[i] = src[i], in 16-byte words: the benchmark's measure of the adapter's
// achievable memory bandwidth, against which each kernel's GB/s is reported.
//
// Bindings:
//   0 src  array<vec4<u32>> [WORDS]
//   1 dst  array<vec4<u32>> [WORDS]
// Overrides: WORDS
// Grid: ceil(WORDS / 256) workgroups, laid out (x, y) with x ≤ the per-dimension limit
@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;

override WORDS: u32;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.y * groups.x * 256u + gid.x;
  if (i < WORDS) { dst[i] = src[i]; }
}
