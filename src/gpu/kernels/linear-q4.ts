/**
 * Linear layer y = x·Wᵀ (+ b), or y += x·Wᵀ, over 4-bit weights (Q4Matrix, layout in
 * q4-weights.ts); bindLinear (linear.ts) sends a Q4Matrix here, so the paths match the f16 ones:
 * on GPUs matmul_q4_decode.wgsl (each weight word read once and dequantized in registers for all
 * ≤ 8 rows; subgroup sums where granted) for few rows, matmul_q4_tiled.wgsl (the weight tile
 * dequantized into workgroup memory once) otherwise; on CPU adapters (lanes = 1) the barrier-free
 * matmul_q4_blocks.wgsl for every row count. `norm` folds into the decode and block kernels, a separate RMSNorm runs before the
 * tiled one. With a groupIndex (act-order; one per chunk) every kernel looks up each channel's group (ACT_ORDER).
 * One dispatch per weight chunk, each writing its own output columns.
 */
import blocksCode from '../../../shaders/matmul_q4_blocks.wgsl?raw';
import decodeCode from '../../../shaders/matmul_q4_decode.wgsl?raw';
import tiledCode from '../../../shaders/matmul_q4_tiled.wgsl?raw';
import dequantCode from '../../../shaders/q4_dequant.wgsl?raw';
import { bindGroup, ceilDiv, flatGrid, getPipeline, type Grid, type KernelCall, type RowSource } from '../kernel.ts';
import type { Q4Matrix } from '../q4-weights.ts';
import { blockEpilogues, type BlockEpilogues } from './block-epilogues.ts';
import type { LinearBuffers } from './linear.ts';
import { withLaneSums } from './lane-sums.ts';
import { decodeMaxRows, linearCall, type ChunkDispatch, type DecodeKernel } from './linear-dispatch.ts';
import { RmsNormKernel } from './rmsnorm.ts';

/** Invocations per workgroup of matmul_q4_decode.wgsl. */
const decodeWorkgroup = 256;
const tile = 64;
/** Weight rows per invocation and invocations per workgroup of matmul_q4_blocks.wgsl. */
const blockCols = 8;
const blocksWorkgroup = 64;

export type Q4LinearBuffers = Omit<LinearBuffers, 'weight'> & { readonly weight: Q4Matrix };

export function bindLinearQ4(device: GPUDevice, rows: RowSource, buffers: Q4LinearBuffers, label: string, kernel: DecodeKernel): KernelCall {
  const { lanes, subgroups } = kernel;
  const { x, weight, bias, y, accumulate = false, norm } = buffers;
  const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
  const cpu = lanes === 1;
  const few: ChunkDispatch[] = [];
  const many: ChunkDispatch[] = [];
  let epilogues: BlockEpilogues | undefined;
  const normConstants = { NORM: norm !== undefined, EPS: norm?.eps ?? 1e-6 };
  weight.chunks.forEach((chunk, index) => {
    // Act-order is per chunk: the parts of a fused matrix each have their own groupIndex.
    const shape = {
      K: weight.cols,
      GROUP_SIZE: weight.groupSize,
      SCALE_WORDS: weight.scaleWords,
      ZERO_WORDS: weight.zeroWords,
      ACT_ORDER: chunk.groupIndex !== undefined,
    };
    const epilogue = { CHUNK_N: chunk.rows, N_OFFSET: chunk.firstRow, OUT_STRIDE: weight.rows, HAS_BIAS: bias !== undefined, ACCUMULATE: accumulate };
    const partLabel = weight.chunks.length === 1 ? label : `${label}[${index}]`;
    const uniform = rows.uniforms.binding(rows.count);
    const groupIndex = chunk.groupIndex ?? chunk.qweight;
    const matrix = [chunk.qweight, chunk.scales, chunk.zeros, bias ?? chunk.qweight, y];
    const rowGroups = (grid: Grid) => (m: number): Grid => [grid[0], grid[1], ceilDiv(m, decodeMaxRows)];
    if (cpu) {
      epilogues ??= blockEpilogues(device, label, weight.chunks.length);
      const pipeline = getPipeline(device, 'matmulQ4Blocks', blocksCode + dequantCode, { ...shape, ...normConstants });
      const bindings = [uniform, x, ...matrix, norm?.weight ?? chunk.qweight, groupIndex, epilogues.slot(index, epilogue)];
      const grid = flatGrid(ceilDiv(chunk.rows, blockCols * blocksWorkgroup), maxPerDimension);
      few.push({ binding: bindGroup(device, `${partLabel}.q4Blocks`, pipeline, bindings), grid: rowGroups(grid) });
      return;
    }
    const source = withLaneSums('matmulQ4Decode', decodeCode + dequantCode, subgroups);
    const decodePipeline = getPipeline(device, source.label, source.code, { ...shape, ...epilogue, ...normConstants, LANES: lanes });
    const decodeBindings = [uniform, x, ...matrix, norm?.weight ?? chunk.qweight, groupIndex];
    const decodeGrid = flatGrid(ceilDiv(chunk.rows, decodeWorkgroup / lanes), maxPerDimension);
    few.push({ binding: bindGroup(device, `${partLabel}.q4Decode`, decodePipeline, decodeBindings), grid: rowGroups(decodeGrid) });
    const tiledPipeline = getPipeline(device, 'matmulQ4Tiled', tiledCode + dequantCode, { ...shape, ...epilogue });
    const tiledBindings = [uniform, norm?.scratch ?? x, ...matrix, groupIndex];
    many.push({
      binding: bindGroup(device, `${partLabel}.q4Tiled`, tiledPipeline, tiledBindings),
      grid: (m) => [ceilDiv(chunk.rows, tile), ceilDiv(m, tile), 1],
    });
  });
  const normCall = norm === undefined || cpu
    ? undefined
    : new RmsNormKernel(device, weight.cols, norm.eps, subgroups).bind(rows, x, norm.weight, norm.scratch, `${label}.norm`);
  return linearCall(label, rows, cpu, { few, many }, normCall, () => epilogues?.buffer.destroy());
}
