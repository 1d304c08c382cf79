// Flash-decoding, reduce pass: combines each decode row's partition partials
// (attention_decode.wgsl) exactly as online softmax would have over the whole context:
//   M = max_i m_i;  out = Σ_i exp(m_i − M) · (Σ p·v)_i / Σ_i exp(m_i − M) · (Σ p)_i
// One invocation per (decode row, query head, 4 dims); barrier-free. Rows with one partition (the
// decode pass finished them) and unused slots (context 0) are skipped.
//
// Bindings:
//   0 decode_rows   array<vec4<u32>> [D_max]   (row, sequence, context, first key); all 0 past the step's D
//   1 partials      array<vec4<f32>> [D_max, Q_HEADS, MAX_PARTITIONS, HEAD_DIM / 4 + 1]
//   2 out           array<vec4<f32>> [T, Q_HEADS · HEAD_DIM / 4]
// Overrides: HEAD_DIM (multiple of 4), Q_HEADS, PARTITION, MAX_PARTITIONS
// Grid: ceil(D · Q_HEADS · HEAD_DIM / 4 / 64) workgroups of 64, laid out (x, y)
@group(0) @binding(0) var<storage, read> decode_rows: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> partials: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;

override HEAD_DIM: u32;
override Q_HEADS: u32;
override PARTITION: u32;
override MAX_PARTITIONS: u32;
override QUADS: u32 = HEAD_DIM / 4u;
const WORKGROUP = 64u;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let index = (wid.y * groups.x + wid.x) * WORKGROUP + lid;
  let quad = index % QUADS;
  let head = (index / QUADS) % Q_HEADS;
  let slot = index / (QUADS * Q_HEADS);
  if (slot >= arrayLength(&decode_rows)) { return; }
  let entry = decode_rows[slot];
  let parts = (entry.z - entry.w + PARTITION - 1u) / PARTITION;
  if (parts <= 1u) { return; }
  let stride = QUADS + 1u;
  let base = (slot * Q_HEADS + head) * MAX_PARTITIONS * stride;
  var m = -1e30;
  for (var p = 0u; p < parts; p++) { m = max(m, partials[base + p * stride + QUADS].x); }
  var total = 0.0;
  var acc = vec4<f32>(0.0);
  for (var p = 0u; p < parts; p++) {
    let at = base + p * stride;
    let stats = partials[at + QUADS];
    let weight = exp(stats.x - m);
    total += weight * stats.y;
    acc += weight * partials[at + quad];
  }
  out[(entry.x * Q_HEADS + head) * QUADS + quad] = acc / total;
}
