// Token feed for pipelined decoding: a step's row whose token was sampled by the previous step
// takes it straight from the sampler's output, on the GPU, so the step can be submitted before
// the previous one is read back.
//   token_ids[feeds[i].row] = sampled[feeds[i].sample_row · OUT_WORDS]   (word 0: the sampled id)
//
// Bindings:
//   0 feeds      array<u32> [1 + 2 · F]         F, then (row, sample_row) pairs
//   1 sampled    array<u32> [S, OUT_WORDS]      the previous step's sampler output (read only)
//   2 token_ids  array<u32> [>= T]              this step's input token ids
// Overrides: OUT_WORDS
// Grid: (ceil(F_max / 64), 1, 1)
@group(0) @binding(0) var<storage, read> feeds: array<u32>;
@group(0) @binding(1) var<storage, read> sampled: array<u32>;
@group(0) @binding(2) var<storage, read_write> token_ids: array<u32>;

override OUT_WORDS: u32;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= feeds[0]) { return; }
  token_ids[feeds[1u + 2u * i]] = sampled[feeds[2u + 2u * i] * OUT_WORDS];
}
