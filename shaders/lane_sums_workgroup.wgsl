// lane_sums_workgroup.wgsl — lane sums through a workgroup-memory tree, for devices without the
// `subgroups` feature. Its twin lane_sums_subgroup.wgsl defines the same names with subgroup
// operations; the wrapper (src/gpu/kernels/lane-sums.ts) prepends one of the two to a kernel.
// No entry point and no bindings of its own.
//
// A kernel's WORKGROUP invocations each get a slot (lane_slot); LANES consecutive slots form a
// group (the lanes that share one weight row, or a whole row of a norm). lane_sums adds the first
// `count` of each slot's SUMS pairs over its group, in place, and gives every slot of the group
// the totals. Pairs, since a decode row needs two sums (x·w and, with a folded norm, x²).
// Names the kernel declares (const or override): WORKGROUP (a power of two), LANES (a power of
// two dividing WORKGROUP), SUMS. The kernel's entry point takes `ids: LaneIds`.
// Call both in workgroup-uniform control flow, lane_sums once per invocation.
//
// One f32 array per component, not one array of pairs: on SwiftShader a single 16 KB workgroup
// array compiles and runs ~25% slower than two of 8 KB.

struct LaneIds {
  @builtin(local_invocation_index) index: u32,
}

var<workgroup> lane_partial_x: array<f32, SUMS * WORKGROUP>;  // [SUMS, WORKGROUP]
var<workgroup> lane_partial_y: array<f32, SUMS * WORKGROUP>;

fn lane_slot(ids: LaneIds) -> u32 {
  return ids.index;
}

fn lane_sums(ids: LaneIds, slot: u32, sums: ptr<function, array<vec2<f32>, SUMS>>, count: u32) {
  let used = min(count, SUMS);
  for (var i = 0u; i < used; i++) {
    lane_partial_x[i * WORKGROUP + slot] = (*sums)[i].x;
    lane_partial_y[i * WORKGROUP + slot] = (*sums)[i].y;
  }
  workgroupBarrier();
  let lane = slot % LANES;
  for (var width = LANES / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      for (var i = 0u; i < used; i++) {
        lane_partial_x[i * WORKGROUP + slot] += lane_partial_x[i * WORKGROUP + slot + width];
        lane_partial_y[i * WORKGROUP + slot] += lane_partial_y[i * WORKGROUP + slot + width];
      }
    }
    workgroupBarrier();
  }
  let first = slot - lane;
  for (var i = 0u; i < used; i++) {
    (*sums)[i] = vec2<f32>(lane_partial_x[i * WORKGROUP + first], lane_partial_y[i * WORKGROUP + first]);
  }
}
