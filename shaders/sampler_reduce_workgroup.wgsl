// sampler_reduce_workgroup.wgsl — the sampler's reductions through workgroup memory, for devices
// without the `subgroups` feature. Its twin sampler_reduce_subgroup.wgsl defines the same names
// with subgroup operations; the wrapper (src/gpu/kernels/sampler.ts) prepends one of the two.
// No entry point and no bindings of its own.
//
// reduce(ids, slot, item, best) folds every invocation's item (see `fold` in sampler_common.wgsl)
// and returns the total to all of them, in a fixed order, so every run gives the same result.
// Call reduce_slot once and reduce in workgroup-uniform control flow. Names from the kernel:
// WORKGROUP = LANES².

struct Ids {
  @builtin(local_invocation_index) index: u32,
}

var<workgroup> level1: array<vec4<u32>, WORKGROUP>;
var<workgroup> level2: array<vec4<u32>, LANES>;

fn reduce_slot(ids: Ids) -> u32 {
  return ids.index;
}

// Two barriers instead of a log2(WORKGROUP)-step tree: LANES lanes fold LANES items each, then
// every invocation folds the LANES lanes.
fn reduce(ids: Ids, slot: u32, item: vec4<u32>, best: bool) -> vec4<u32> {
  level1[slot] = item;
  workgroupBarrier();
  if (slot < LANES) {
    var acc = level1[slot * LANES];
    for (var j = 1u; j < LANES; j++) { acc = fold(acc, level1[slot * LANES + j], best); }
    level2[slot] = acc;
  }
  workgroupBarrier();
  var acc = level2[0];
  for (var j = 1u; j < LANES; j++) { acc = fold(acc, level2[j], best); }
  return acc;
}
