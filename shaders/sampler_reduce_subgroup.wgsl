enable subgroups;

// sampler_reduce_subgroup.wgsl — the sampler's reductions through subgroup operations, for
// devices with the `subgroups` feature: the same names as sampler_reduce_workgroup.wgsl (see
// there for the contract), prepended by the wrapper since `enable` must open the module.
//
// Any subgroup size works (4 … 128). WGSL does not tie subgroups to local_invocation_index, so
// reduce_slot numbers the subgroups by their lowest invocation index (a ticket, then a rank): the
// partials are folded in that order, the same in every run whatever order subgroups arrive in.
// One barrier a reduction: partials alternate between two halves of workgroup memory, and a
// half is only rewritten after the next reduction's barrier, which every reader has passed.

struct Ids {
  @builtin(local_invocation_index) index: u32,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) size: u32,
}

const MIN_SUBGROUP = 4u;
var<workgroup> reduce_ticket: atomic<u32>;
var<workgroup> reduce_order: array<u32, WORKGROUP / MIN_SUBGROUP>;
var<workgroup> partials: array<vec4<u32>, 2u * WORKGROUP / MIN_SUBGROUP>;
var<private> reduce_phase: u32;

fn reduce_slot(ids: Ids) -> u32 {
  var first = 0u;
  if (subgroupElect()) { first = atomicAdd(&reduce_ticket, 1u); }
  let ticket = subgroupBroadcastFirst(first);
  let least = subgroupMin(ids.index);
  if (subgroupElect()) { reduce_order[ticket] = least; }
  workgroupBarrier();
  var rank = 0u;
  for (var j = 0u; j < atomicLoad(&reduce_ticket); j++) { rank += select(0u, 1u, reduce_order[j] < least); }
  return rank;
}

fn reduce(ids: Ids, slot: u32, item: vec4<u32>, best: bool) -> vec4<u32> {
  // Both kinds are computed and one selected: no branch around subgroup operations.
  let values = bitcast<vec4<f32>>(item);
  let has = item.y != NONE;
  let top = subgroupMax(select(LOWEST, values.x, has));
  let index = subgroupMin(select(NONE, item.y, has && values.x == top));
  let sum = subgroupAdd(rescale(values.z, values.x, top));
  let aux = subgroupMax(values.w);
  let sums = subgroupAdd(values);
  let part = select(bitcast<vec4<u32>>(sums), vec4(bitcast<u32>(top), index, bitcast<u32>(sum), bitcast<u32>(aux)), best);
  let half = reduce_phase * (WORKGROUP / MIN_SUBGROUP);
  reduce_phase ^= 1u;
  if (subgroupElect()) { partials[half + slot] = part; }
  workgroupBarrier();
  var acc = partials[half];
  for (var j = 1u; j < atomicLoad(&reduce_ticket); j++) { acc = fold(acc, partials[half + j], best); }
  return acc;
}
