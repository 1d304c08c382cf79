/** Wrapper for rmsnorm.wgsl: one workgroup per row. */
import rmsNormCode from '../../../shaders/rmsnorm.wgsl?raw';
import { bindGroup, getPipeline, kernelCall, type KernelCall, type RowSource } from '../kernel.ts';

export class RmsNormKernel {
  private readonly pipeline: GPUComputePipeline;
  constructor(private readonly device: GPUDevice, dim: number, eps: number) {
    this.pipeline = getPipeline(device, 'rmsnorm', rmsNormCode, { DIM: dim, EPS: eps, WORKGROUP: 128 });
  }
  /** out[r, :] = weight ⊙ x[r, :] / rms(x[r, :]); weight is f16 pairs */
  bind(rows: RowSource, x: GPUBuffer, weight: GPUBuffer, out: GPUBuffer, label = 'rmsnorm'): KernelCall {
    const group = bindGroup(this.device, label, this.pipeline, [rows.uniforms.binding(rows.count), x, weight, out]);
    return kernelCall(label, this.pipeline, group, (counts) => [counts[rows.count], 1, 1]);
  }
}
