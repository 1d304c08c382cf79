/**
 * Linear layer y = x·Wᵀ (+ b) over a PackedMatrix: the decode kernel (each weight read once for
 * all ≤ 8 rows) when the step has few rows, the tiled kernel otherwise; one dispatch per weight
 * chunk, each writing its own output columns.
 */
import decodeCode from '../../../shaders/matmul_decode.wgsl?raw';
import tiledCode from '../../../shaders/matmul_tiled.wgsl?raw';
import { bindGroup, ceilDiv, flatGrid, getPipeline, type KernelCall, type RowSource } from '../kernel.ts';
import type { PackedMatrix } from '../packed-weights.ts';

export const decodeMaxRows = 8;
const decodeOutputsPerWorkgroup = 8;
const tile = 64;

export interface LinearBuffers {
  readonly x: GPUBuffer;
  readonly weight: PackedMatrix;
  readonly bias?: GPUBuffer | undefined;
  readonly y: GPUBuffer;
}

export function bindLinear(device: GPUDevice, rows: RowSource, buffers: LinearBuffers, label: string): KernelCall {
  const { x, weight, bias, y } = buffers;
  const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
  const parts = weight.chunks.map((chunk, index) => {
    const constants = {
      K: weight.cols,
      CHUNK_N: chunk.rows,
      N_OFFSET: chunk.firstRow,
      OUT_STRIDE: weight.rows,
      ROW_VEC4: weight.rowVec4,
      HAS_BIAS: bias !== undefined,
    };
    const resources = [rows.uniforms.binding(rows.count), x, chunk.buffer, bias ?? chunk.buffer, y];
    const decode = getPipeline(device, 'matmulDecode', decodeCode, constants);
    const tiled = getPipeline(device, 'matmulTiled', tiledCode, constants);
    const partLabel = weight.chunks.length === 1 ? label : `${label}[${index}]`;
    return {
      decode,
      tiled,
      decodeGroup: bindGroup(device, `${partLabel}.decode`, decode, resources),
      tiledGroup: bindGroup(device, `${partLabel}.tiled`, tiled, resources),
      decodeGrid: flatGrid(ceilDiv(chunk.rows, decodeOutputsPerWorkgroup), maxPerDimension),
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
