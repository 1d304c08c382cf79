/** Wrapper for add.wgsl: in-place residual add. */
import addCode from '../../../shaders/add.wgsl?raw';
import { bindGroup, ceilDiv, getPipeline, kernelCall, type KernelCall, type RowSource } from '../kernel.ts';

export class AddKernel {
  private readonly pipeline: GPUComputePipeline;
  constructor(private readonly device: GPUDevice, private readonly dim: number) {
    this.pipeline = getPipeline(device, 'add', addCode, { DIM: dim });
  }
  /** x[t, :] += delta[t, :] */
  bind(rows: RowSource, x: GPUBuffer, delta: GPUBuffer, label = 'add'): KernelCall {
    const group = bindGroup(this.device, label, this.pipeline, [rows.uniforms.binding(rows.count), x, delta]);
    return kernelCall(label, this.pipeline, group, (counts) => [ceilDiv(this.dim, 256), counts[rows.count], 1]);
  }
}
