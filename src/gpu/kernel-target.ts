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
  /**
   * Attention through the split kernels (flash-decoding and prefill tiles, which route a row by
   * the batch it is in) rather than the per-row paged kernels. Default: on GPUs, not on CPU
   * adapters, where a row must come out the same in any batch (attention-variant.ts).
   */
  readonly splitAttention?: boolean;
}

export function kernelTarget(gpu: Pick<GpuContext, 'isSoftware' | 'features'>, overrides: Partial<KernelTarget> = {}): KernelTarget {
  return { software: gpu.isSoftware, subgroups: gpu.features.has('subgroups'), ...overrides };
}
