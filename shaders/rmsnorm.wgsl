// RMSNorm over rows: out[r, :] = weight ⊙ x[r, :] / sqrt(mean(x[r, :]²) + EPS), in f32.
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

var<workgroup> partial: array<f32, WORKGROUP>;

fn weight_at(i: u32) -> f32 {
  let pair = unpack2x16float(weight[i / 2u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x;
  if (row >= rows.count) { return; }
  let base = row * DIM;
  var sum = 0.0;
  for (var i = lid; i < DIM; i += WORKGROUP) {
    let v = x[base + i];
    sum += v * v;
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var width = WORKGROUP / 2u; width > 0u; width /= 2u) {
    if (lid < width) { partial[lid] += partial[lid + width]; }
    workgroupBarrier();
  }
  let scale = inverseSqrt(partial[0] / f32(DIM) + EPS);
  for (var i = lid; i < DIM; i += WORKGROUP) {
    out[base + i] = weight_at(i) * (x[base + i] * scale);
  }
}
