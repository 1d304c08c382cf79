/** Wrapper for argmax.wgsl: greedy token per sampled row. */
import argmaxCode from '../../../shaders/argmax.wgsl?raw';
import { bindGroup, getPipeline, kernelCall, type KernelCall, type RowSource } from '../kernel.ts';

export class ArgmaxKernel {
  private readonly pipeline: GPUComputePipeline;
  constructor(private readonly device: GPUDevice, vocab: number) {
    this.pipeline = getPipeline(device, 'argmax', argmaxCode, { VOCAB: vocab });
  }
  /** ids[r] = argmax(logits[r, :]) */
  bind(rows: RowSource, logits: GPUBuffer, ids: GPUBuffer, label = 'argmax'): KernelCall {
    const group = bindGroup(this.device, label, this.pipeline, [rows.uniforms.binding(rows.count), logits, ids]);
    return kernelCall(label, this.pipeline, group, (counts) => [counts[rows.count], 1, 1]);
  }
}
