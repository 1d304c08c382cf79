// lane_sums_workgroup.wgsl — lane sums through a workgroup-memory tree, for devices without the
// `subgroups` feature. Its twin lane_sums_subgroup.wgsl defines the same names with subgroup
// operations; the wrapper (src/gpu/kernels/lane-sums.ts) prepends one of the two to a kernel.
// No entry point and no bindings of its own.
//
// A kernel's WORKGROUP invocations each get a slot (lane_slot); LANES consecutive slots form a
// group (the lanes that share one weight row, or a whole row of a norm). lane_sums adds the first
// `count` of each slot's SUMS values over its group and returns the totals to every slot of the
// group. Names the kernel declares (const or override): WORKGROUP (a power of two), LANES (a
// power of two dividing WORKGROUP), SUMS. The kernel's entry point takes `ids: LaneIds`.
// Call both in workgroup-uniform control flow, lane_sums once per invocation.

struct LaneIds {
  @builtin(local_invocation_index) index: u32,
}

var<workgroup> lane_partial: array<f32, SUMS * WORKGROUP>;  // [SUMS, WORKGROUP]

fn lane_slot(ids: LaneIds) -> u32 {
  return ids.index;
}

fn lane_sums(ids: LaneIds, slot: u32, values: array<f32, SUMS>, count: u32) -> array<f32, SUMS> {
  let used = min(count, SUMS);
  for (var i = 0u; i < used; i++) { lane_partial[i * WORKGROUP + slot] = values[i]; }
  workgroupBarrier();
  let lane = slot % LANES;
  for (var width = LANES / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      for (var i = 0u; i < used; i++) { lane_partial[i * WORKGROUP + slot] += lane_partial[i * WORKGROUP + slot + width]; }
    }
    workgroupBarrier();
  }
  var sums = values;
  for (var i = 0u; i < used; i++) { sums[i] = lane_partial[i * WORKGROUP + slot - lane]; }
  return sums;
}
