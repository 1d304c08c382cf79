/**
 * Linear layer y = x·Wᵀ (+ b), or y += x·Wᵀ for a residual, over a PackedMatrix: the decode kernel (each weight read once for
 * all ≤ 8 rows) when the step has few rows, the tiled kernel otherwise; one dispatch per weight
 * chunk, each writing its own output columns.
 */
import decodeCode from '../../../shaders/matmul_decode.wgsl?raw';
import tiledCode from '../../../shaders/matmul_tiled.wgsl?raw';
import { bindGroup, ceilDiv, flatGrid, getPipeline, type KernelCall, type RowSource } from '../kernel.ts';
import type { PackedMatrix } from '../packed-weights.ts';

export const decodeMaxRows = 8;
const decodeWorkgroup = 256;
const tile = 64;

/**
 * Invocations that share one weight row in the decode kernel: 32 on GPUs (coalesced 512-byte
 * reads per row), 1 on CPU adapters, where workgroup barriers are what costs.
 */
export function decodeLanes(isSoftwareAdapter: boolean): number {
  return isSoftwareAdapter ? 1 : 32;
}

export interface LinearBuffers {
  readonly x: GPUBuffer;
  readonly weight: PackedMatrix;
  readonly bias?: GPUBuffer | undefined;
  readonly y: GPUBuffer;
  /** Add to y instead of overwriting it (a residual connection). */
  readonly accumulate?: boolean;
}

export function bindLinear(device: GPUDevice, rows: RowSource, buffers: LinearBuffers, label: string, lanes = 32): KernelCall {
  const { x, weight, bias, y, accumulate = false } = buffers;
  const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
  const parts = weight.chunks.map((chunk, index) => {
    const constants = {
      K: weight.cols,
      CHUNK_N: chunk.rows,
      N_OFFSET: chunk.firstRow,
      OUT_STRIDE: weight.rows,
      ROW_VEC4: weight.rowVec4,
      HAS_BIAS: bias !== undefined,
      ACCUMULATE: accumulate,
    };
    const decodeConstants = { ...constants, LANES: lanes };
    const resources = [rows.uniforms.binding(rows.count), x, chunk.buffer, bias ?? chunk.buffer, y];
    const decode = getPipeline(device, 'matmulDecode', decodeCode, decodeConstants);
    const tiled = getPipeline(device, 'matmulTiled', tiledCode, constants);
    const partLabel = weight.chunks.length === 1 ? label : `${label}[${index}]`;
    return {
      decode,
      tiled,
      decodeGroup: bindGroup(device, `${partLabel}.decode`, decode, resources),
      tiledGroup: bindGroup(device, `${partLabel}.tiled`, tiled, resources),
      decodeGrid: flatGrid(ceilDiv(chunk.rows, decodeWorkgroup / lanes), maxPerDimension),
      tiledColumns: ceilDiv(chunk.rows, tile),
    };
  });
  return {
    label,
    encode(pass, counts) {
      const m = counts[rows.count];
      if (m === 0) return;
      for (const part of parts) {
        if (m <= decodeMaxRows) {
          pass.setPipeline(part.decode);
          pass.setBindGroup(0, part.decodeGroup);
          pass.dispatchWorkgroups(...part.decodeGrid);
        } else {
          pass.setPipeline(part.tiled);
          pass.setBindGroup(0, part.tiledGroup);
          pass.dispatchWorkgroups(part.tiledColumns, ceilDiv(m, tile));
        }
      }
    },
  };
}
