/**
 * The KernelCall a linear layer encodes, for f16 and 4-bit weights alike: per step, a few rows
 * (≤ decodeMaxRows, or any count on CPU adapters) take the per-chunk decode/block dispatches,
 * more take the tiled ones after their separate RMSNorm dispatch (the decode and block kernels
 * fold the norm in).
 */
import type { KernelTarget } from '../kernel-target.ts';
import type { Grid, KernelBinding, KernelCall, RowSource } from '../kernel.ts';

/** Rows the decode kernels take in one row group. */
export const decodeMaxRows = 8;

/** Which few-rows kernel a linear layer runs, and how its lanes' partial sums are added. */
export interface DecodeKernel {
  /**
   * Invocations that share one weight row in the decode kernel: 32 on GPUs (coalesced 512-byte
   * reads per row). 1 selects the barrier-free block kernel for every row count, for CPU
   * adapters, where workgroup barriers are what costs.
   */
  readonly lanes: number;
  /** Add the lanes' partial sums (and a folded norm's Σ x²) with subgroup operations. */
  readonly subgroups: boolean;
}

/** The decode kernel for a target: block kernels on CPU adapters, subgroup sums where granted. */
export function decodeKernel(target: KernelTarget): DecodeKernel {
  return { lanes: target.software ? 1 : 32, subgroups: target.subgroups };
}

export interface ChunkDispatch {
  readonly binding: KernelBinding;
  readonly grid: (rows: number) => Grid;
}

export function linearCall(
  label: string, rows: RowSource, cpu: boolean,
  dispatches: { readonly few: readonly ChunkDispatch[]; readonly many: readonly ChunkDispatch[] },
  normCall: KernelCall | undefined, destroy: () => void,
): KernelCall {
  return {
    label,
    destroy,
    encode(pass, counts) {
      const m = counts[rows.count];
      if (m === 0) return;
      // CPU adapters run every row count through the block kernel, 8 rows a group.
      const fewRows = m <= decodeMaxRows || cpu;
      if (!fewRows) normCall?.encode(pass, counts);
      for (const { binding, grid } of fewRows ? dispatches.few : dispatches.many) {
        const [gx, gy, gz] = grid(m);
        binding.set(pass);
        pass.dispatchWorkgroups(gx, gy, gz);
      }
    },
  };
}
