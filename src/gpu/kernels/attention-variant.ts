/**
 * Which attention kernels a forward pass runs: the split kernels (split-attention.ts: flash-decoding
 * for decode rows, query tiles for prompt chunks) wherever head_dim allows their vec4 loads (a
 * multiple of 8 up to 256), else paged_attention.wgsl on GPUs and paged_attention_serial.wgsl on
 * CPU adapters (paged-attention.ts).
 */
import type { KernelTarget } from '../kernel-target.ts';
import type { KernelCall, RowSource } from '../kernel.ts';
import type { AttentionShape } from './attention-shape.ts';
import { supportsSplitAttention } from './attention-split.ts';
import type { AttentionWork } from './attention-work.ts';
import { PagedAttentionKernel, type AttentionBuffers } from './paged-attention.ts';
import { SplitAttention, type SplitAttentionLimits } from './split-attention.ts';

export interface LayerAttention {
  /** The per-step routing the split kernels read; written with the step's inputs. */
  readonly work: AttentionWork | undefined;
  bind(rows: RowSource, buffers: AttentionBuffers, label: string): KernelCall;
}

export function layerAttention(device: GPUDevice, shape: AttentionShape, limits: SplitAttentionLimits, target: KernelTarget): LayerAttention {
  if (supportsSplitAttention(shape)) {
    const split = new SplitAttention(device, shape, limits);
    return { work: split.work, bind: (_rows, buffers, label) => split.bind(buffers, label) };
  }
  const paged = new PagedAttentionKernel(device, shape, limits.maxBlocksPerSeq, target.software);
  return { work: undefined, bind: (rows, buffers, label) => paged.bind(rows, buffers, label) };
}
