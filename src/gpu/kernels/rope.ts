/** Wrapper for rope.wgsl: RoPE in place on the q and k heads, with Qwen3 q/k norm fused in. */
import ropeCode from '../../../shaders/rope.wgsl?raw';
import { bindGroup, getPipeline, kernelCall, nextPowerOfTwo, type KernelCall, type RowSource, type PipelineHandle } from '../kernel.ts';
import { qkvWidth, type AttentionShape } from './attention-shape.ts';

export class RopeKernel {
  private readonly pipeline: PipelineHandle;
  constructor(private readonly device: GPUDevice, private readonly shape: AttentionShape, qkNormEps?: number) {
    this.pipeline = getPipeline(device, 'rope', ropeCode, {
      HEAD_DIM: shape.headDim,
      Q_HEADS: shape.numHeads,
      KV_HEADS: shape.numKvHeads,
      QKV_WIDTH: qkvWidth(shape),
      QK_NORM: qkNormEps !== undefined,
      EPS: qkNormEps ?? 1e-6,
      WORKGROUP: nextPowerOfTwo(shape.headDim / 2),
    });
  }
  /** In place on qkv's q and k heads. `norm` holds q_norm then k_norm (f16 pairs); any buffer without q/k norm. */
  bind(rows: RowSource, qkv: GPUBuffer, positions: GPUBuffer, invFreq: GPUBuffer, norm: GPUBuffer, label = 'rope'): KernelCall {
    const binding = bindGroup(this.device, label, this.pipeline, [rows.uniforms.binding(rows.count), qkv, positions, invFreq, norm]);
    const heads = this.shape.numHeads + this.shape.numKvHeads;
    return kernelCall(label, binding, (counts) => [heads, counts[rows.count], 1]);
  }
}
