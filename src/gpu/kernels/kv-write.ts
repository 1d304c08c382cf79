/** Wrapper for kv_write.wgsl: k/v heads into the paged f16 pools (packed pairs) through the slot mapping. */
import kvWriteCode from '../../../shaders/kv_write.wgsl?raw';
import { bindGroup, ceilDiv, getPipeline, kernelCall, type KernelCall, type RowSource, type PipelineHandle } from '../kernel.ts';
import { kvHeadWords, qkvWidth, type AttentionShape } from './attention-shape.ts';

export class KvWriteKernel {
  private readonly pipeline: PipelineHandle;
  private readonly pairsPerToken: number;
  constructor(private readonly device: GPUDevice, shape: AttentionShape) {
    this.pairsPerToken = shape.numKvHeads * kvHeadWords(shape);
    this.pipeline = getPipeline(device, 'kvWrite', kvWriteCode, {
      HEAD_DIM: shape.headDim,
      KV_HEADS: shape.numKvHeads,
      BLOCK_SIZE: shape.blockSize,
      QKV_WIDTH: qkvWidth(shape),
      K_OFFSET: shape.numHeads * shape.headDim,
    });
  }
  bind(rows: RowSource, qkv: GPUBuffer, slotMapping: GPUBuffer, kPool: GPUBuffer, vPool: GPUBuffer, label = 'kvWrite'): KernelCall {
    const binding = bindGroup(this.device, label, this.pipeline, [rows.uniforms.binding(rows.count), qkv, slotMapping, kPool, vPool]);
    return kernelCall(label, binding, (counts) => [ceilDiv(this.pairsPerToken, 64), counts[rows.count], 1]);
  }
}
