/** Wrapper for swiglu.wgsl: silu(gate) ⊙ up over the fused gate/up rows. */
import swigluCode from '../../../shaders/swiglu.wgsl?raw';
import { bindGroup, ceilDiv, getPipeline, kernelCall, type KernelCall, type RowSource, type PipelineHandle } from '../kernel.ts';

export class SwiGluKernel {
  private readonly pipeline: PipelineHandle;
  constructor(private readonly device: GPUDevice, private readonly intermediate: number) {
    this.pipeline = getPipeline(device, 'swiglu', swigluCode, { INTERMEDIATE: intermediate });
  }
  /** out[t, i] = silu(gateUp[t, i]) · gateUp[t, I + i] */
  bind(rows: RowSource, gateUp: GPUBuffer, out: GPUBuffer, label = 'swiglu'): KernelCall {
    const binding = bindGroup(this.device, label, this.pipeline, [rows.uniforms.binding(rows.count), gateUp, out]);
    return kernelCall(label, binding, (counts) => [ceilDiv(this.intermediate, 256), counts[rows.count], 1]);
  }
}
