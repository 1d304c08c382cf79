/**
 * Wrapper for attention_reduce.wgsl, flash-decoding's reduce pass: combines the decode rows'
 * partition partials into their attention output. Dispatched only when some decode row of the
 * step spans more than one partition.
 */
import reduceCode from '../../../shaders/attention_reduce.wgsl?raw';
import { bindGroup, ceilDiv, flatGrid, getPipeline, type KernelCall, type PipelineHandle } from '../kernel.ts';
import type { AttentionShape } from './attention-shape.ts';
import type { AttentionSplit } from './attention-split.ts';
import type { AttentionWork } from './attention-work.ts';

export class AttentionReduceKernel {
  private readonly pipeline: PipelineHandle;
  constructor(private readonly device: GPUDevice, private readonly shape: AttentionShape, split: AttentionSplit) {
    this.pipeline = getPipeline(device, 'attentionReduce', reduceCode, {
      HEAD_DIM: shape.headDim,
      Q_HEADS: shape.numHeads,
      PARTITION: split.partition,
      MAX_PARTITIONS: split.maxPartitions,
    });
  }

  bind(work: AttentionWork, out: GPUBuffer, label = 'attentionReduce'): KernelCall {
    const binding = bindGroup(this.device, label, this.pipeline, [work.decodeRows, work.partials, out]);
    const perRow = this.shape.numHeads * (this.shape.headDim / 4);
    const maxPerDimension = this.device.limits.maxComputeWorkgroupsPerDimension;
    return {
      label,
      encode: (pass) => {
        const { decodeCount, partitions } = work.plan;
        if (decodeCount === 0 || partitions <= 1) return;
        binding.set(pass);
        pass.dispatchWorkgroups(...flatGrid(ceilDiv(decodeCount * perRow, 64), maxPerDimension));
      },
    };
  }
}
