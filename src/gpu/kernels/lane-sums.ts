/**
 * The lane-sum library a reducing kernel is compiled with: lane_sums_subgroup.wgsl (subgroup
 * operations) where the device granted `subgroups`, lane_sums_workgroup.wgsl (a workgroup-memory
 * tree) otherwise. Both define LaneIds, lane_slot and lane_sums, so one kernel source serves
 * both; the library is prepended because `enable subgroups;` must open the module.
 */
import subgroupCode from '../../../shaders/lane_sums_subgroup.wgsl?raw';
import workgroupCode from '../../../shaders/lane_sums_workgroup.wgsl?raw';

export interface KernelSource {
  /** Cache key of the shader module (getPipeline caches modules by label): one per variant. */
  readonly label: string;
  readonly code: string;
}

export function withLaneSums(label: string, code: string, subgroups: boolean): KernelSource {
  return subgroups ? { label: `${label}Subgroups`, code: subgroupCode + code } : { label, code: workgroupCode + code };
}
