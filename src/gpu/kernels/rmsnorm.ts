/** Wrapper for rmsnorm.wgsl: one workgroup per row, its Σ x² added with subgroups where granted. */
import rmsNormCode from '../../../shaders/rmsnorm.wgsl?raw';
import { bindGroup, getPipeline, kernelCall, type KernelCall, type RowSource, type PipelineHandle } from '../kernel.ts';
import { withLaneSums } from './lane-sums.ts';

export class RmsNormKernel {
  private readonly pipeline: PipelineHandle;
  /** `subgroups`: reduce with subgroup operations (the device must have the feature). */
  constructor(private readonly device: GPUDevice, dim: number, eps: number, subgroups = false) {
    const { label, code } = withLaneSums('rmsnorm', rmsNormCode, subgroups);
    this.pipeline = getPipeline(device, label, code, { DIM: dim, EPS: eps, WORKGROUP: 128 });
  }
  /** out[r, :] = weight ⊙ x[r, :] / rms(x[r, :]); weight is f16 pairs */
  bind(rows: RowSource, x: GPUBuffer, weight: GPUBuffer, out: GPUBuffer, label = 'rmsnorm'): KernelCall {
    const binding = bindGroup(this.device, label, this.pipeline, [rows.uniforms.binding(rows.count), x, weight, out]);
    return kernelCall(label, binding, (counts) => [counts[rows.count], 1, 1]);
  }
}
