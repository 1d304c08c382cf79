/**
 * Linear layer y = x·Wᵀ (+ b), or y += x·Wᵀ for a residual, over a PackedMatrix. On GPUs: the
 * decode kernel (each weight read once for all ≤ 8 rows; the lanes' sums added with subgroup
 * operations where granted) when the step has few rows, the tiled kernel otherwise. On CPU
 * adapters (lanes = 1): the barrier-free block kernel (8 rows × 8 weight rows per invocation) for
 * every row count, which also makes a row's result independent of the batch it is in. One dispatch per weight chunk, each writing its own output columns.
 * With `norm`, x is RMS-normalised first: folded into the decode and block kernels (one dispatch
 * fewer per norm on the hot path), a separate RMSNorm dispatch before the tiled kernel.
 * A Q4Matrix (4-bit weights) takes the same paths through linear-q4.ts's kernels.
 */
import blocksCode from '../../../shaders/matmul_blocks.wgsl?raw';
import decodeCode from '../../../shaders/matmul_decode.wgsl?raw';
import tiledCode from '../../../shaders/matmul_tiled.wgsl?raw';
import { bindGroup, ceilDiv, flatGrid, getPipeline, type Grid, type KernelCall, type RowSource } from '../kernel.ts';
import type { PackedMatrix } from '../packed-weights.ts';
import { isQ4Matrix, type Q4Matrix } from '../q4-weights.ts';
import { blockEpilogues, type BlockEpilogues } from './block-epilogues.ts';
import { bindLinearQ4 } from './linear-q4.ts';
import { withLaneSums } from './lane-sums.ts';
import { decodeMaxRows, linearCall, type ChunkDispatch, type DecodeKernel } from './linear-dispatch.ts';
import { RmsNormKernel } from './rmsnorm.ts';

export { decodeKernel, decodeMaxRows, type DecodeKernel } from './linear-dispatch.ts';

const decodeWorkgroup = 256;
const tile = 64;
/** Weight rows per invocation and invocations per workgroup of matmul_blocks.wgsl. */
const blockCols = 8;
const blocksWorkgroup = 64;
/** A GPU without subgroups: 32 lanes a weight row, workgroup-memory sums. */
const plainGpu: DecodeKernel = { lanes: 32, subgroups: false };

export interface LinearNorm {
  /** f16 RMSNorm weight over x's columns. */
  readonly weight: GPUBuffer;
  readonly eps: number;
  /** (maxTokens, K) f32 buffer the tiled path writes the normalised x into. */
  readonly scratch: GPUBuffer;
}

export interface LinearBuffers {
  readonly x: GPUBuffer;
  readonly weight: PackedMatrix | Q4Matrix;
  readonly bias?: GPUBuffer | undefined;
  readonly y: GPUBuffer;
  /** Add to y instead of overwriting it (a residual connection). */
  readonly accumulate?: boolean;
  /** Normalise x's rows first (the layer norm in front of this projection). */
  readonly norm?: LinearNorm | undefined;
}

export function bindLinear(device: GPUDevice, rows: RowSource, buffers: LinearBuffers, label: string, kernel: DecodeKernel = plainGpu): KernelCall {
  if (isQ4Matrix(buffers.weight)) return bindLinearQ4(device, rows, { ...buffers, weight: buffers.weight }, label, kernel);
  const { lanes, subgroups } = kernel;
  const { x, bias, y, accumulate = false, norm } = buffers;
  const weight: PackedMatrix = buffers.weight;
  const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
  const tiledInput = norm?.scratch ?? x;
  const decode: ChunkDispatch[] = [];
  const tiled: ChunkDispatch[] = [];
  // CPU adapters run only the block kernel; skipping the others' pipelines also skips their
  // compile (SwiftShader spends ~0.6 s on each tiled one, zero-initialising its workgroup tiles).
  const cpu = lanes === 1;
  let epilogues: BlockEpilogues | undefined;
  weight.chunks.forEach((chunk, index) => {
    const constants = {
      K: weight.cols,
      CHUNK_N: chunk.rows,
      N_OFFSET: chunk.firstRow,
      OUT_STRIDE: weight.rows,
      ROW_VEC4: weight.rowVec4,
      HAS_BIAS: bias !== undefined,
      ACCUMULATE: accumulate,
    };
    const partLabel = weight.chunks.length === 1 ? label : `${label}[${index}]`;
    const normConstants = { NORM: norm !== undefined, EPS: norm?.eps ?? 1e-6 };
    const bindings = [rows.uniforms.binding(rows.count), x, chunk.buffer, bias ?? chunk.buffer, y, norm?.weight ?? chunk.buffer];
    if (cpu) {
      epilogues ??= blockEpilogues(device, label, weight.chunks.length);
      const pipeline = getPipeline(device, 'matmulBlocks', blocksCode, { K: weight.cols, ROW_VEC4: weight.rowVec4, ...normConstants });
      const grid = flatGrid(ceilDiv(chunk.rows, blockCols * blocksWorkgroup), maxPerDimension);
      decode.push({
        binding: bindGroup(device, `${partLabel}.blocks`, pipeline, [...bindings, epilogues.slot(index, constants)]),
        grid: (m) => [grid[0], grid[1], ceilDiv(m, decodeMaxRows)],
      });
      return;
    }
    const source = withLaneSums('matmulDecode', decodeCode, subgroups);
    const decodePipeline = getPipeline(device, source.label, source.code, { ...constants, LANES: lanes, ...normConstants });
    const decodeGrid = flatGrid(ceilDiv(chunk.rows, decodeWorkgroup / lanes), maxPerDimension);
    decode.push({
      binding: bindGroup(device, `${partLabel}.decode`, decodePipeline, bindings),
      grid: (m) => [decodeGrid[0], decodeGrid[1], ceilDiv(m, decodeMaxRows)],
    });
    const tiledPipeline = getPipeline(device, 'matmulTiled', tiledCode, constants);
    tiled.push({
      binding: bindGroup(device, `${partLabel}.tiled`, tiledPipeline, [rows.uniforms.binding(rows.count), tiledInput, chunk.buffer, bias ?? chunk.buffer, y]),
      grid: (m) => [ceilDiv(chunk.rows, tile), ceilDiv(m, tile), 1],
    });
  });
  const normCall = norm === undefined || cpu
    ? undefined
    : new RmsNormKernel(device, weight.cols, norm.eps, subgroups).bind(rows, x, norm.weight, norm.scratch, `${label}.norm`);
  return linearCall(label, rows, cpu, { few: decode, many: tiled }, normCall, () => epilogues?.buffer.destroy());
}
