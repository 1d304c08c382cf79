// Greedy argmax per row: ids[r] = the index of the largest logits[r, :], ties to the lowest index
// (as torch.argmax). NaN never wins.
//
// Bindings:
//   0 rows    uniform { count }      number of rows S
//   1 logits  array<f32> [S, VOCAB]
//   2 ids     array<u32> [S]
// Overrides: VOCAB
// Grid: (S, 1, 1) — one workgroup of 256 per row
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> ids: array<u32>;

override VOCAB: u32;
const WORKGROUP = 256u;
const NONE = 0xffffffffu;

var<workgroup> best_value: array<f32, WORKGROUP>;
var<workgroup> best_index: array<u32, WORKGROUP>;

fn better(value: f32, index: u32, than_value: f32, than_index: u32) -> bool {
  if (index == NONE) { return false; }
  if (than_index == NONE) { return true; }
  return value > than_value || (value == than_value && index < than_index);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x;
  if (row >= rows.count) { return; }
  var value = 0.0;
  var index = NONE;
  for (var i = lid; i < VOCAB; i += WORKGROUP) {
    let v = logits[row * VOCAB + i];
    // v == v is false only for NaN.
    if (v == v && better(v, i, value, index)) { value = v; index = i; }
  }
  best_value[lid] = value;
  best_index[lid] = index;
  workgroupBarrier();
  for (var width = WORKGROUP / 2u; width > 0u; width /= 2u) {
    if (lid < width && better(best_value[lid + width], best_index[lid + width], best_value[lid], best_index[lid])) {
      best_value[lid] = best_value[lid + width];
      best_index[lid] = best_index[lid + width];
    }
    workgroupBarrier();
  }
  if (lid == 0u) { ids[row] = select(best_index[0], 0u, best_index[0] == NONE); }
}
