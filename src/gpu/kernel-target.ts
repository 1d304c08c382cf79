/**
 * What the forward pass's kernels may assume about the adapter they run on: whether it is a CPU
 * adapter (SwiftShader: barrier-free kernels on the hot paths) and whether WGSL subgroup operations
 * are available (the `subgroups` feature was granted). Kernels keep a workgroup-memory fallback
 * for adapters without subgroups, and tests run both on SwiftShader, which has them.
 */
import type { GpuContext } from './device.ts';

export interface KernelTarget {
  readonly software: boolean;
  readonly subgroups: boolean;
}

export function kernelTarget(gpu: Pick<GpuContext, 'isSoftware' | 'features'>, overrides: Partial<KernelTarget> = {}): KernelTarget {
  return { software: gpu.isSoftware, subgroups: gpu.features.has('subgroups'), ...overrides };
}
