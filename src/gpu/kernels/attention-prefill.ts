/**
 * Wrapper for attention_prefill.wgsl: causal attention for prompt chunks, one workgroup per
 * (query heads of one KV head, tile of ≤ split.tile consecutive rows), each K/V chunk staged once
 * for the whole tile. The grid comes from the step's plan (attention-work.ts).
 */
import prefillCode from '../../../shaders/attention_prefill.wgsl?raw';
import { bindGroup, getPipeline, type KernelCall, type PipelineHandle } from '../kernel.ts';
import { attentionWindow, type AttentionShape } from './attention-shape.ts';
import { splitAttentionConstants, type SplitAttentionBuffers } from './attention-decode.ts';
import type { AttentionSplit } from './attention-split.ts';
import type { AttentionWork } from './attention-work.ts';

export class AttentionPrefillKernel {
  private readonly pipeline: PipelineHandle;
  constructor(private readonly device: GPUDevice, private readonly shape: AttentionShape, split: AttentionSplit, maxBlocksPerSeq: number) {
    this.pipeline = getPipeline(device, 'attentionPrefill', prefillCode, {
      ...splitAttentionConstants(shape, split, maxBlocksPerSeq),
      TILE: split.tile,
      KEYS: split.keys,
      WINDOW: attentionWindow(shape),
    });
  }

  bind(work: AttentionWork, buffers: SplitAttentionBuffers, label = 'attentionPrefill'): KernelCall {
    const { qkv, kPool, vPool, blockTables, out } = buffers;
    const binding = bindGroup(this.device, label, this.pipeline, [work.tiles, qkv, kPool, vPool, blockTables, out]);
    const slices = this.shape.numHeads / work.split.heads;
    return {
      label,
      encode: (pass) => {
        const { tileCount } = work.plan;
        if (tileCount === 0) return;
        binding.set(pass);
        pass.dispatchWorkgroups(slices, tileCount);
      },
    };
  }
}
