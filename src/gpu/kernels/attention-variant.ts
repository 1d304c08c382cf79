/**
 * Which attention kernels a forward pass runs. GPUs: the split kernels (split-attention.ts:
 * flash-decoding for decode rows, query tiles for prompt chunks) wherever head_dim allows their vec4
 * loads (a multiple of 8 up to 256), else paged_attention.wgsl. CPU adapters:
 * paged_attention_serial.wgsl, which computes a row the same way whatever batch it is in (as the
 * block matmul kernel does there), so a token recomputed in a prompt chunk after preemption gets
 * the bits it got as a decode row, and the engine's exact-equality tests hold. The split kernels
 * would be 1.2-1.5x faster there at 4,096 keys (tools/bench/attention-bench.ts on SwiftShader, except
 * 8 decode rows at 0.5B shapes: 0.9x), but route a row by its batch, and take ~4 s more to build.
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
  if ((target.splitAttention ?? !target.software) && supportsSplitAttention(shape)) {
    const split = new SplitAttention(device, shape, limits);
    return { work: split.work, bind: (_rows, buffers, label) => split.bind(buffers, label) };
  }
  const paged = new PagedAttentionKernel(device, shape, limits.maxBlocksPerSeq, target.software);
  return { work: undefined, bind: (rows, buffers, label) => paged.bind(rows, buffers, label) };
}
