/**
 * Attention for a mixed batch through the split kernels: decode rows by flash-decoding (the
 * partition pass, then the reduce pass when a row spans several partitions), prompt chunks by
 * query tiles. Rows are routed per step on the CPU (attention-work.ts); the three dispatches write
 * disjoint rows of the output.
 */
import type { KernelCall } from '../kernel.ts';
import { AttentionDecodeKernel, type SplitAttentionBuffers } from './attention-decode.ts';
import { AttentionPrefillKernel } from './attention-prefill.ts';
import { AttentionReduceKernel } from './attention-reduce.ts';
import type { AttentionShape } from './attention-shape.ts';
import { attentionSplit } from './attention-split.ts';
import { AttentionWork } from './attention-work.ts';

export interface SplitAttentionLimits {
  readonly maxTokens: number;
  readonly maxSeqs: number;
  readonly maxBlocksPerSeq: number;
}

export class SplitAttention {
  /** The step's routing and the decode partials; written once per step, before encoding. */
  readonly work: AttentionWork;
  private readonly decode: AttentionDecodeKernel;
  private readonly reduce: AttentionReduceKernel;
  private readonly prefill: AttentionPrefillKernel;

  /** `workgroupBytes`: the workgroup memory the kernels may use (the adapter's limit, or less). */
  constructor(device: GPUDevice, shape: AttentionShape, limits: SplitAttentionLimits, workgroupBytes = device.limits.maxComputeWorkgroupStorageSize) {
    const split = attentionSplit(shape, limits.maxBlocksPerSeq * shape.blockSize, workgroupBytes);
    this.work = new AttentionWork(device, split, shape, limits);
    this.decode = new AttentionDecodeKernel(device, shape, split, limits.maxBlocksPerSeq);
    this.reduce = new AttentionReduceKernel(device, shape, split);
    this.prefill = new AttentionPrefillKernel(device, shape, split, limits.maxBlocksPerSeq);
  }

  bind(buffers: SplitAttentionBuffers, label = 'attention'): KernelCall {
    const calls = [
      this.decode.bind(this.work, buffers, `${label}.decode`),
      this.reduce.bind(this.work, buffers.out, `${label}.reduce`),
      this.prefill.bind(this.work, buffers, `${label}.prefill`),
    ];
    return {
      label,
      encode(pass, counts) {
        for (const call of calls) call.encode(pass, counts);
      },
    };
  }
}
