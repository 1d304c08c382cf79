/**
 * Causal GQA attention through block tables: paged_attention.wgsl (a workgroup per token and head,
 * keys spread over its invocations) on GPUs, paged_attention_serial.wgsl (an invocation per token
 * and head, no barriers) on CPU adapters. Both read the f16 pools kv_write.wgsl packs.
 */
import attentionCode from '../../../shaders/paged_attention.wgsl?raw';
import serialCode from '../../../shaders/paged_attention_serial.wgsl?raw';
import { bindGroup, ceilDiv, flatGrid, getPipeline, kernelCall, type KernelCall, type RowSource, type PipelineHandle } from '../kernel.ts';
import { attentionWindow, kvHeadWords, qkvWidth, type AttentionShape } from './attention-shape.ts';

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
  private readonly pipeline: PipelineHandle;
  constructor(private readonly device: GPUDevice, private readonly shape: AttentionShape, maxBlocksPerSeq: number, private readonly serial = false) {
    if (shape.headDim > 4 * PagedAttentionKernel.workgroup) throw new RangeError(`head_dim ${shape.headDim} > 256`);
    kvHeadWords(shape); // refuses an odd head_dim
    const constants = {
      HEAD_DIM: shape.headDim,
      Q_HEADS: shape.numHeads,
      KV_HEADS: shape.numKvHeads,
      QKV_WIDTH: qkvWidth(shape),
      BLOCK_SIZE: shape.blockSize,
      MAX_BLOCKS: maxBlocksPerSeq,
      SCALE: 1 / Math.sqrt(shape.headDim),
      WINDOW: attentionWindow(shape),
    };
    this.pipeline = serial
      ? getPipeline(device, 'pagedAttentionSerial', serialCode, constants)
      : getPipeline(device, 'pagedAttention', attentionCode, { ...constants, WORKGROUP: PagedAttentionKernel.workgroup });
  }
  bind(rows: RowSource, buffers: AttentionBuffers, label = 'pagedAttention'): KernelCall {
    const { qkv, kPool, vPool, positions, tokenSeq, blockTables, out } = buffers;
    const binding = bindGroup(this.device, label, this.pipeline, [
      rows.uniforms.binding(rows.count), qkv, kPool, vPool, positions, tokenSeq, blockTables, out,
    ]);
    if (!this.serial) return kernelCall(label, binding, (counts) => [this.shape.numHeads, counts[rows.count], 1]);
    const maxPerDimension = this.device.limits.maxComputeWorkgroupsPerDimension;
    return kernelCall(label, binding, (counts) => flatGrid(ceilDiv(counts[rows.count] * this.shape.numHeads, 64), maxPerDimension));
  }
}
