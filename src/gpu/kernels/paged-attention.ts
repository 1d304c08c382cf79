/** Wrapper for paged_attention.wgsl: causal GQA attention through block tables. */
import attentionCode from '../../../shaders/paged_attention.wgsl?raw';
import { bindGroup, getPipeline, kernelCall, type KernelCall, type RowSource } from '../kernel.ts';
import { qkvWidth, type AttentionShape } from './attention-shape.ts';

export interface AttentionBuffers {
  readonly qkv: GPUBuffer;
  readonly kPool: GPUBuffer;
  readonly vPool: GPUBuffer;
  readonly positions: GPUBuffer;
  readonly tokenSeq: GPUBuffer;
  readonly blockTables: GPUBuffer;
  readonly out: GPUBuffer;
}

export class PagedAttentionKernel {
  static readonly workgroup = 64;
  private readonly pipeline: GPUComputePipeline;
  constructor(private readonly device: GPUDevice, private readonly shape: AttentionShape, maxBlocksPerSeq: number) {
    if (shape.headDim > 4 * PagedAttentionKernel.workgroup) throw new RangeError(`head_dim ${shape.headDim} > 256`);
    this.pipeline = getPipeline(device, 'pagedAttention', attentionCode, {
      HEAD_DIM: shape.headDim,
      Q_HEADS: shape.numHeads,
      KV_HEADS: shape.numKvHeads,
      QKV_WIDTH: qkvWidth(shape),
      BLOCK_SIZE: shape.blockSize,
      MAX_BLOCKS: maxBlocksPerSeq,
      SCALE: 1 / Math.sqrt(shape.headDim),
      WORKGROUP: PagedAttentionKernel.workgroup,
    });
  }
  bind(rows: RowSource, buffers: AttentionBuffers, label = 'pagedAttention'): KernelCall {
    const { qkv, kPool, vPool, positions, tokenSeq, blockTables, out } = buffers;
    const group = bindGroup(this.device, label, this.pipeline, [
      rows.uniforms.binding(rows.count), qkv, kPool, vPool, positions, tokenSeq, blockTables, out,
    ]);
    return kernelCall(label, this.pipeline, group, (counts) => [this.shape.numHeads, counts[rows.count], 1]);
  }
}
