enable subgroups;

// lane_sums_subgroup.wgsl — lane sums through subgroup operations, for devices with the
// `subgroups` feature: the same names as lane_sums_workgroup.wgsl (see there for the contract),
// prepended by the wrapper (src/gpu/kernels/lane-sums.ts) since `enable` must open the module.
//
// Any subgroup size the device picks works (a power of two, 4 … 128, so it divides a workgroup
// of 128 or 256 and subgroups are full). WGSL does not tie subgroups to local_invocation_index,
// so slots are handed out per subgroup: each subgroup takes `subgroup_size` consecutive slots
// from a ticket, which puts its invocations in consecutive, size-aligned slots. Then for a group
// of LANES slots:
//   subgroup size ≤ LANES: subgroupAdd; with more than one subgroup per group, each subgroup's
//                          total goes through workgroup memory (one barrier);
//   subgroup size > LANES: several groups share a subgroup, a subgroupShuffleXor butterfly over
//                          the group's LANES invocations (the xor stays inside the aligned group).

struct LaneIds {
  @builtin(local_invocation_index) index: u32,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) size: u32,
}

var<workgroup> lane_ticket: atomic<u32>;
const LANE_MIN_SUBGROUP = 4u;
var<workgroup> lane_partial: array<vec2<f32>, SUMS * WORKGROUP / LANE_MIN_SUBGROUP>;  // [SUMS, subgroups]

fn lane_slot(ids: LaneIds) -> u32 {
  var first = 0u;
  if (subgroupElect()) { first = atomicAdd(&lane_ticket, ids.size); }
  return subgroupBroadcastFirst(first) + ids.lane;
}

// subgroup_size is the same for a whole subgroup, but WGSL's uniformity analysis does not know
// that, so branching on it is allowed here explicitly.
@diagnostic(off, subgroup_uniformity)
fn lane_sums(ids: LaneIds, slot: u32, sums: ptr<function, array<vec2<f32>, SUMS>>, count: u32) {
  let used = min(count, SUMS);
  let subgroups = WORKGROUP / LANE_MIN_SUBGROUP;
  if (ids.size <= LANES) {
    for (var i = 0u; i < used; i++) { (*sums)[i] = subgroupAdd((*sums)[i]); }
  } else {
    for (var i = 0u; i < used; i++) {
      for (var offset = LANES / 2u; offset > 0u; offset /= 2u) { (*sums)[i] += subgroupShuffleXor((*sums)[i], offset); }
    }
  }
  // subgroup_size is not workgroup-uniform to WGSL, so the barrier cannot depend on it.
  let spread = ids.size < LANES;
  if (spread && ids.lane == 0u) {
    for (var i = 0u; i < used; i++) { lane_partial[i * subgroups + slot / ids.size] = (*sums)[i]; }
  }
  workgroupBarrier();
  if (spread) {
    let parts = LANES / ids.size;
    let first = slot / LANES * parts;
    for (var i = 0u; i < used; i++) {
      var total = vec2<f32>();
      for (var p = 0u; p < parts; p++) { total += lane_partial[i * subgroups + first + p]; }
      (*sums)[i] = total;
    }
  }
}
