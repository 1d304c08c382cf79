/**
 * Wrapper for attention_decode.wgsl, flash-decoding's partition pass: one workgroup per
 * (partition of the context, query heads of one KV head, decode row); rows that fit one partition
 * are finished here, the others leave partials for attention-reduce.ts. The grid comes from the
 * step's plan (attention-work.ts), written before the step is encoded; so does each row's first
 * key under a sliding window.
 */
import decodeCode from '../../../shaders/attention_decode.wgsl?raw';
import { bindGroup, getPipeline, type KernelCall, type PipelineHandle } from '../kernel.ts';
import { qkvWidth, type AttentionShape } from './attention-shape.ts';
import type { AttentionSplit } from './attention-split.ts';
import type { AttentionWork } from './attention-work.ts';

/** What the split attention kernels read and write besides their work lists. */
export interface SplitAttentionBuffers {
  readonly qkv: GPUBuffer;
  readonly kPool: GPUBuffer;
  readonly vPool: GPUBuffer;
  readonly blockTables: GPUBuffer;
  readonly out: GPUBuffer;
}

/** Overrides the three split attention shaders share. */
export function splitAttentionConstants(shape: AttentionShape, split: AttentionSplit, maxBlocksPerSeq: number) {
  return {
    HEAD_DIM: shape.headDim,
    Q_HEADS: shape.numHeads,
    KV_HEADS: shape.numKvHeads,
    QKV_WIDTH: qkvWidth(shape),
    BLOCK_SIZE: shape.blockSize,
    MAX_BLOCKS: maxBlocksPerSeq,
    SCALE: 1 / Math.sqrt(shape.headDim),
    HEADS: split.heads,
  };
}

export class AttentionDecodeKernel {
  private readonly pipeline: PipelineHandle;
  constructor(private readonly device: GPUDevice, private readonly shape: AttentionShape, split: AttentionSplit, maxBlocksPerSeq: number) {
    this.pipeline = getPipeline(device, 'attentionDecode', decodeCode, {
      ...splitAttentionConstants(shape, split, maxBlocksPerSeq),
      PARTITION: split.partition,
      MAX_PARTITIONS: split.maxPartitions,
    });
  }

  bind(work: AttentionWork, buffers: SplitAttentionBuffers, label = 'attentionDecode'): KernelCall {
    const { qkv, kPool, vPool, blockTables, out } = buffers;
    const binding = bindGroup(this.device, label, this.pipeline, [work.decodeRows, qkv, kPool, vPool, blockTables, work.partials, out]);
    const slices = this.shape.numHeads / work.split.heads;
    return {
      label,
      encode: (pass) => {
        const { decodeCount, partitions } = work.plan;
        if (decodeCount === 0) return;
        binding.set(pass);
        pass.dispatchWorkgroups(partitions, slices, decodeCount);
      },
    };
  }
}
