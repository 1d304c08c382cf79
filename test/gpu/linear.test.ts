/**
 * The linear layer (on GPUs the decode kernel for ≤ 8 rows and the tiled kernel above; on CPU
 * adapters, lanes = 1, the block kernel for every row count) against a CPU reference on 30 random
 * shapes: odd K and N, with and without bias, weights split across several bindings, decode lane
 * counts 32 and 8, the accumulate epilogue that fuses the residual add (y += x·Wᵀ), and the
 * RMSNorm folded in front (y = rmsnorm(x)·Wᵀ). Those run the workgroup-memory sums; a second test
 * runs the decode kernel with subgroup sums (and the subgroup RMSNorm before the tiled kernel) at
 * lanes 32, 8 and 2: with SwiftShader's subgroups of 4 that is several subgroups per weight row,
 * two, and two weight rows per subgroup.
 */
import { describe, expect, it } from 'vitest';
import { bindLinear, decodeMaxRows, type DecodeKernel } from '../../src/gpu/kernels/linear.ts';
import { createPackedMatrix, createPackedVector, writeMatrixRows } from '../../src/gpu/packed-weights.ts';
import { linearRef, rmsNormRef } from '../support/cpu-reference.ts';
import { maxAbsDiff, readFloats, runCalls, stepUniforms, storageBuffer, testGpu } from '../support/gpu-harness.ts';
import { Random, halvesToFloats } from '../support/random.ts';
import { subgroupLinearCases, subgroupLinearCombinations } from '../support/subgroup-linear-cases.ts';

interface LinearCase {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly withBias: boolean;
  readonly chunked: boolean;
  readonly accumulate: boolean;
  readonly withNorm: boolean;
  readonly kernel: DecodeKernel;
}

/** Runs one case on random data against the CPU reference; returns the matrix's chunk count. */
async function checkLinear(device: GPUDevice, random: Random, spec: LinearCase, caseLabel: string): Promise<number> {
  const { m, k, n, withBias, chunked, accumulate, withNorm, kernel } = spec;
  const x = random.floats(m * k);
  const weights = random.halves(n * k, -8, -1);
  const biasHalves = random.halves(n, -4, 0);
  // Two to four chunks, as an embedding larger than one binding would have.
  const chunkRows = Math.max(1, Math.ceil(n / random.int(2, 4)));
  const matrix = createPackedMatrix(device, n, k, 'w', chunked ? Math.ceil(k / 8) * 16 * chunkRows : undefined);
  writeMatrixRows(device, matrix, 0, weights);
  const residual = random.floats(m * n, 2);
  const y = accumulate ? storageBuffer(device, residual) : storageBuffer(device, m * n * 4);
  const counts = { tokens: m, sampleRows: 0 };
  const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
  const bias = withBias ? createPackedVector(device, [biasHalves], 'bias') : undefined;
  const normHalves = random.halves(k, -2, 1);
  const norm = withNorm ? { weight: createPackedVector(device, [normHalves], 'norm'), eps: 1e-6, scratch: storageBuffer(device, m * k * 4) } : undefined;
  await runCalls(device, [bindLinear(device, rows, { x: storageBuffer(device, x), weight: matrix, bias, y, accumulate, norm }, 'linear', kernel)], counts);
  const input = withNorm ? rmsNormRef(x, m, k, halvesToFloats(normHalves), 1e-6) : x;
  const product = linearRef(input, m, k, halvesToFloats(weights), n, withBias ? halvesToFloats(biasHalves) : undefined);
  const expected = accumulate ? product.map((value, i) => value + residual[i]!) : product;
  // |x| ≤ 1 (normed: ≤ 4·√K·|x|/‖x‖), |w| < 1/2: f32 accumulation over K ≤ 1000 terms stays under 2e-4.
  const label = `${caseLabel}: m ${m} k ${k} n ${n} bias ${withBias} chunks ${matrix.chunks.length} lanes ${kernel.lanes} ` +
    `subgroups ${kernel.subgroups} accumulate ${accumulate} norm ${withNorm}`;
  expect(maxAbsDiff(await readFloats(device, y, m * n), expected), label).toBeLessThan(2e-4);
  return matrix.chunks.length;
}

describe('linear (matmul) kernels match x·Wᵀ + b', () => {
  it('on 30 random shapes through every path', async () => {
    const { device } = await testGpu();
    const random = new Random(11);
    const paths = new Set<string>();
    for (let c = 0; c < 30; c++) {
      const m = c % 2 === 0 ? random.int(1, decodeMaxRows) : random.int(decodeMaxRows + 1, 100);
      const k = c < 4 ? [64, 128, 896, 1000][c]! : random.int(1, 700);
      const n = random.int(1, 300);
      const withBias = random.next() < 0.5;
      const chunked = c % 5 === 0;
      const accumulate = c % 5 === 1 || c % 5 === 3;
      const lanes = [32, 1, 8][Math.floor(c / 2) % 3]!;
      const withNorm = c % 4 >= 2;
      const spec = { m, k, n, withBias, chunked, accumulate, withNorm, kernel: { lanes, subgroups: false } };
      const chunks = await checkLinear(device, random, spec, `case ${c}`);
      // CPU adapters (lanes 1) run every row count through the block kernel, 8 rows a group.
      const path = lanes === 1 ? (m <= decodeMaxRows ? 'blocks' : 'blockGroups') : m <= decodeMaxRows ? 'decode' : 'tiled';
      paths.add(path);
      if (accumulate) paths.add(`${path}+accumulate`);
      if (withNorm) paths.add(`${path}+norm`);
      if (chunks > 1) paths.add('chunked');
    }
    expect([...paths].sort()).toEqual([
      'blockGroups', 'blockGroups+accumulate', 'blockGroups+norm', 'blocks', 'blocks+accumulate', 'blocks+norm',
      'chunked', 'decode', 'decode+accumulate', 'decode+norm', 'tiled', 'tiled+accumulate', 'tiled+norm',
    ]);
  });

  it('with subgroup sums: the decode kernel at lanes 32, 8 and 2, each with and without norm, bias and accumulate, and the tiled path\'s norm', async ({ skip }) => {
    const { device, features } = await testGpu();
    if (!features.has('subgroups')) skip('the adapter has no subgroups');
    const random = new Random(13);
    const seen = new Set<string>();
    for (const { index: c, tiled, lanes, withNorm, withBias, accumulate, record } of subgroupLinearCases()) {
      const m = tiled ? random.int(decodeMaxRows + 1, 40) : random.int(1, decodeMaxRows);
      const k = c < 3 ? [896, 1000, 64][c]! : random.int(1, 700);
      const n = random.int(1, 300);
      const spec = { m, k, n, withBias, chunked: c % 4 === 0, accumulate, withNorm, kernel: { lanes, subgroups: true } };
      const chunks = await checkLinear(device, random, spec, `subgroup case ${c}`);
      record(seen);
      if (chunks > 1) seen.add('chunked');
    }
    expect(seen.size).toBe(subgroupLinearCombinations + 1);
  });
});
