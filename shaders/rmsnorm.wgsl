// RMSNorm over rows: out[r, :] = weight ⊙ x[r, :] / sqrt(mean(x[r, :]²) + EPS), in f32.
// The workgroup's Σ x² goes through lane_sums (one group of WORKGROUP lanes), from the lane_sums
// library the wrapper prepends: subgroup operations or a workgroup-memory tree.
//
// Bindings:
//   0 rows    uniform { count }          number of rows R
//   1 x       array<f32> [R, DIM]
//   2 weight  array<u32> [ceil(DIM / 2)]  f16 pairs
//   3 out     array<f32> [R, DIM]
// Overrides: DIM, EPS, WORKGROUP (power of two)
// Grid: (R, 1, 1) — one workgroup per row
struct Rows { count: u32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override DIM: u32;
override EPS: f32;
override WORKGROUP: u32 = 128u;
override LANES: u32 = WORKGROUP;  // lane_sums: the whole workgroup is one group
const SUMS = 1u;

fn weight_at(i: u32) -> f32 {
  let pair = unpack2x16float(weight[i / 2u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, ids: LaneIds) {
  let row = wid.x;
  if (row >= rows.count) { return; }
  let slot = lane_slot(ids);
  let base = row * DIM;
  var sum = 0.0;
  for (var i = slot; i < DIM; i += WORKGROUP) {
    let v = x[base + i];
    sum += v * v;
  }
  var sums = array<vec2<f32>, SUMS>(vec2<f32>(sum, 0.0));
  lane_sums(ids, slot, &sums, 1u);
  let scale = inverseSqrt(sums[0].x / f32(DIM) + EPS);
  for (var i = slot; i < DIM; i += WORKGROUP) {
    out[base + i] = weight_at(i) * (x[base + i] * scale);
  }
}
