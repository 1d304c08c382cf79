/**
 * The KernelCall a linear layer encodes, for f16 and 4-bit weights alike: per step, a few rows
 * (≤ decodeMaxRows, or any count on CPU adapters) take the per-chunk decode/block dispatches,
 * more take the tiled ones after their separate RMSNorm dispatch (the decode and block kernels
 * fold the norm in).
 */
import type { Grid, KernelCall, RowSource } from '../kernel.ts';

/** Rows the decode kernels take in one row group. */
export const decodeMaxRows = 8;

export interface ChunkDispatch {
  readonly pipeline: GPUComputePipeline;
  readonly group: GPUBindGroup;
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
      for (const { pipeline, group, grid } of fewRows ? dispatches.few : dispatches.many) {
        const [gx, gy, gz] = grid(m);
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(gx, gy, gz);
      }
    },
  };
}
