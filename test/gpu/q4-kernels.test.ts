/**
 * The 4-bit kernels against x · dequantize(W)ᵀ from the CPU reference (test/support/q4-reference.ts):
 * every path of the linear layer — on CPU adapters (lanes = 1) the block kernel for every row count,
 * on GPUs (lanes 32 and 8, forced here on SwiftShader as linear.test.ts does) the decode kernel for
 * ≤ 8 rows and the tiled kernel above — over awkward shapes (K 64 … 1024 including 96 and 136 with
 * an odd number of groups, N 1, 7, 257, M 1 … 130), G 8 / 32 / 64 / 128, with and without an
 * act-order groupIndex, each epilogue (bias, accumulate, folded RMSNorm) and chunked weights, with
 * workgroup-memory sums and again with subgroup sums (lanes 32, 8 and 2, as in linear.test.ts); and
 * the embedding gather, which must be exact.
 */
import { describe, expect, it } from 'vitest';
import { bindEmbedding } from '../../src/gpu/kernels/embedding.ts';
import { bindLinear, type DecodeKernel } from '../../src/gpu/kernels/linear.ts';
import { createPackedVector } from '../../src/gpu/packed-weights.ts';
import { createQ4Matrix, writeQ4GroupIndex, writeQ4Rows, type Q4Matrix, type Q4Rows } from '../../src/gpu/q4-weights.ts';
import { embeddingRef, linearRef, rmsNormRef } from '../support/cpu-reference.ts';
import { maxAbsDiff, readFloats, runCalls, stepUniforms, storageBuffer, testGpu } from '../support/gpu-harness.ts';
import { actOrderGroups, dequantizeQ4Rows, packQ4, randomQ4Values } from '../support/q4-reference.ts';
import { Random, halvesToFloats } from '../support/random.ts';
import { subgroupLinearCases, subgroupLinearCombinations } from '../support/subgroup-linear-cases.ts';

/** (K, G) pairs: K a multiple of G, G a multiple of 8; 96/32 and 136/8 give odd group counts. */
const shapes = [[64, 32], [136, 8], [96, 32], [128, 64], [384, 128], [640, 64], [1024, 128], [256, 32]] as const;
const widths = [1, 7, 257] as const;
const pathRows = { blocks: [1, 3, 8, 9, 64, 130], decode: [1, 3, 8], tiled: [9, 64, 130] } as const;
type Path = keyof typeof pathRows;

interface Weights {
  readonly matrix: Q4Matrix;
  /** dequantize(W) [n, k] from the CPU reference */
  readonly w: Float64Array;
}

/** A random Q4 matrix, written in two calls split at a random row (so writes straddle chunks). */
function randomWeights(device: GPUDevice, random: Random, n: number, k: number, groupSize: number, actOrder: boolean, chunked: boolean): Weights {
  const values = randomQ4Values(random, n, k, groupSize);
  const packed = packQ4(values, n, k, groupSize);
  const groupIndex = actOrder ? actOrderGroups(random, k, groupSize) : undefined;
  // Two to four chunks, as a table larger than one binding would have.
  const chunkRows = Math.max(1, Math.ceil(n / random.int(2, 4)));
  const matrix = createQ4Matrix(device, n, k, groupSize, 'q4', { actOrder, ...(chunked ? { maxBindingBytes: (k / 8) * 4 * chunkRows } : {}) });
  const split = random.int(0, n);
  const rows = (from: number, to: number): Q4Rows => ({
    qweight: packed.qweight.subarray(from * matrix.qweightWords, to * matrix.qweightWords),
    scales: packed.scales.subarray(from * matrix.scaleWords, to * matrix.scaleWords),
    zeros: packed.zeros.subarray(from * matrix.zeroWords, to * matrix.zeroWords),
  });
  writeQ4Rows(device, matrix, 0, rows(0, split));
  writeQ4Rows(device, matrix, split, rows(split, n));
  if (groupIndex !== undefined) writeQ4GroupIndex(device, matrix, groupIndex);
  return { matrix, w: dequantizeQ4Rows(packed, n, k, groupSize, groupIndex) };
}

interface Q4Case {
  readonly m: number;
  readonly k: number;
  readonly groupSize: number;
  readonly n: number;
  readonly actOrder: boolean;
  readonly chunked: boolean;
  readonly withBias: boolean;
  readonly withNorm: boolean;
  readonly accumulate: boolean;
  readonly kernel: DecodeKernel;
}

/** Runs one linear case on random 4-bit weights against the reference; returns the chunk count. */
async function checkQ4Linear(device: GPUDevice, random: Random, spec: Q4Case, caseLabel: string): Promise<number> {
  const { m, k, groupSize, n, actOrder, chunked, withBias, withNorm, accumulate, kernel } = spec;
  const { matrix, w } = randomWeights(device, random, n, k, groupSize, actOrder, chunked);
  const x = random.floats(m * k);
  const biasHalves = random.halves(n, -4, 0);
  const normHalves = random.halves(k, -2, 1);
  const residual = random.floats(m * n, 2);
  const y = accumulate ? storageBuffer(device, residual) : storageBuffer(device, m * n * 4);
  const counts = { tokens: m, sampleRows: 0 };
  const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
  const bias = withBias ? createPackedVector(device, [biasHalves], 'bias') : undefined;
  const norm = withNorm ? { weight: createPackedVector(device, [normHalves], 'norm'), eps: 1e-6, scratch: storageBuffer(device, m * k * 4) } : undefined;
  await runCalls(device, [bindLinear(device, rows, { x: storageBuffer(device, x), weight: matrix, bias, y, accumulate, norm }, 'q4Linear', kernel)], counts);
  const input = withNorm ? rmsNormRef(x, m, k, halvesToFloats(normHalves), 1e-6) : x;
  const product = linearRef(input, m, k, w, n, withBias ? halvesToFloats(biasHalves) : undefined);
  const expected = accumulate ? product.map((value, i) => value + residual[i]!) : product;
  // |x| ≤ 1 (normed: |g| < 4 times x/rms(x)), |w| ≤ 16 · 2^-5: f32 accumulation over K ≤ 1024 terms stays under 2e-4.
  const label = `${caseLabel}: m ${m} k ${k} G ${groupSize} n ${n} actOrder ${actOrder} bias ${withBias} chunks ${matrix.chunks.length} ` +
    `lanes ${kernel.lanes} subgroups ${kernel.subgroups} accumulate ${accumulate} norm ${withNorm}`;
  expect(maxAbsDiff(await readFloats(device, y, m * n), expected), label).toBeLessThan(2e-4);
  return matrix.chunks.length;
}

describe('4-bit kernels match the dequantize-then-multiply reference', () => {
  it('linear: 24 random shapes through the block, decode and tiled paths', async () => {
    const { device } = await testGpu();
    const random = new Random(41);
    const seen = new Set<string>();
    for (let c = 0; c < 24; c++) {
      const path: Path = (['blocks', 'decode', 'tiled'] as const)[c % 3]!;
      const variant = Math.floor(c / 3); // 0..7: every combination of act-order, norm, accumulate per path
      const actOrder = (variant & 1) === 1;
      const withNorm = (variant & 2) === 2;
      const accumulate = (variant & 4) === 4;
      const chunked = variant === 3 || variant === 4;
      const withBias = random.next() < 0.5;
      const [k, groupSize] = shapes[(c + variant) % shapes.length]!;
      const n = c % 4 === 3 ? random.int(2, 300) : widths[c % 4]!;
      const m = pathRows[path][variant % pathRows[path].length]!;
      const lanes = path === 'blocks' ? 1 : c % 2 === 0 ? 32 : 8;
      const spec = { m, k, groupSize, n, actOrder, chunked, withBias, withNorm, accumulate, kernel: { lanes, subgroups: false } };
      const chunks = await checkQ4Linear(device, random, spec, `case ${c}: ${path}`);
      for (const [feature, on] of [['actOrder', actOrder], ['norm', withNorm], ['accumulate', accumulate], ['bias', withBias]] as const) {
        if (on) seen.add(`${path}+${feature}`);
      }
      seen.add(path);
      if (chunks > 1) seen.add(`${path}+chunked`);
    }
    const expectedPaths = (['blocks', 'decode', 'tiled'] as const).flatMap((path) =>
      [path, ...['accumulate', 'actOrder', 'bias', 'chunked', 'norm'].map((feature) => `${path}+${feature}`)]);
    expect([...seen].sort()).toEqual(expectedPaths.sort());
  });

  it('linear with subgroup sums: the decode kernel at lanes 32, 8 and 2, each with and without norm, bias and accumulate, and the tiled path\'s norm', async ({ skip }) => {
    const { device, features } = await testGpu();
    if (!features.has('subgroups')) skip('the adapter has no subgroups');
    const random = new Random(45);
    const seen = new Set<string>();
    for (const { index: c, tiled, lanes, withNorm, withBias, accumulate, record } of subgroupLinearCases()) {
      const [k, groupSize] = shapes[c % shapes.length]!;
      const m = tiled ? pathRows.tiled[random.int(0, 2)]! : random.int(1, 8);
      const n = c % 4 === 3 ? random.int(2, 300) : widths[c % 4]!;
      const spec = { m, k, groupSize, n, actOrder: c % 5 === 1 || c % 5 === 3, chunked: c % 4 === 3, withBias, withNorm, accumulate, kernel: { lanes, subgroups: true } };
      const chunks = await checkQ4Linear(device, random, spec, `subgroup case ${c}`);
      record(seen);
      if (spec.actOrder) seen.add('actOrder');
      if (chunks > 1) seen.add('chunked');
    }
    expect(seen.size).toBe(subgroupLinearCombinations + 2);
  });

  it('linear: a fused act-order matrix (q/k/v, gate/up) with its own groupIndex per part, chunks ending at part ends', async () => {
    const { device } = await testGpu();
    const random = new Random(47);
    for (const [c, [k, groupSize]] of ([[128, 32], [96, 32], [136, 8]] as const).entries()) {
      const partRows = [random.int(8, 40), random.int(1, 24), random.int(1, 24)];
      const n = partRows.reduce((sum, rows) => sum + rows, 0);
      // Chunked within parts too (c > 0): at most 16 rows a chunk.
      const options = { actOrder: true, partRows, ...(c > 0 ? { maxBindingBytes: (k / 8) * 4 * 16 } : {}) };
      const matrix = createQ4Matrix(device, n, k, groupSize, 'fused', options);
      const w = new Float64Array(n * k);
      let firstRow = 0;
      for (const rows of partRows) {
        const packed = packQ4(randomQ4Values(random, rows, k, groupSize), rows, k, groupSize);
        const groupIndex = actOrderGroups(random, k, groupSize);
        writeQ4Rows(device, matrix, firstRow, packed);
        writeQ4GroupIndex(device, matrix, groupIndex, firstRow);
        w.set(dequantizeQ4Rows(packed, rows, k, groupSize, groupIndex), firstRow * k);
        firstRow += rows;
      }
      const partStarts = [0, partRows[0]!, partRows[0]! + partRows[1]!];
      expect(matrix.chunks.every((chunk) => partStarts.some((start, i) => chunk.firstRow >= start && chunk.firstRow + chunk.rows <= start + partRows[i]!))).toBe(true);
      expect(new Set(matrix.chunks.map((chunk) => chunk.groupIndex)).size).toBe(3);
      for (const [m, lanes] of [[3, 1], [20, 1], [5, 32], [20, 32]] as const) {
        const x = random.floats(m * k);
        const y = storageBuffer(device, m * n * 4);
        const counts = { tokens: m, sampleRows: 0 };
        const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
        await runCalls(device, [bindLinear(device, rows, { x: storageBuffer(device, x), weight: matrix, y }, 'q4Fused', { lanes, subgroups: false })], counts);
        const label = `case ${c}: parts ${partRows.join('/')} k ${k} G ${groupSize} m ${m} lanes ${lanes} chunks ${matrix.chunks.length}`;
        expect(maxAbsDiff(await readFloats(device, y, m * n), linearRef(x, m, k, w, n)), label).toBeLessThan(2e-4);
      }
    }
    expect(() => writeQ4GroupIndex(device, createQ4Matrix(device, 16, 64, 32, 'parts', { actOrder: true, partRows: [8, 8] }), new Uint32Array(64), 4)).toThrow(/row 4/);
  });

  it('embedding: gathers dequantized rows exactly, chunked and with act-order', async () => {
    const { device } = await testGpu();
    const random = new Random(43);
    for (let c = 0; c < 6; c++) {
      const [hidden, groupSize] = shapes[c + 1]!;
      const vocab = [257, 7, 1000, 1, 300, 513][c]!;
      const actOrder = c % 2 === 1;
      const chunked = c >= 2;
      const { matrix, w } = randomWeights(device, random, vocab, hidden, groupSize, actOrder, chunked);
      const ids = [0, vocab - 1, ...Array.from({ length: random.int(1, 9) }, () => random.int(0, vocab - 1))];
      const counts = { tokens: ids.length, sampleRows: 0 };
      const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
      const out = storageBuffer(device, ids.length * hidden * 4);
      await runCalls(device, [bindEmbedding(device, rows, matrix, storageBuffer(device, Uint32Array.from(ids)), out)], counts);
      // |q − z| ≤ 16 times an f16 s needs at most 5 + 11 significant bits: exact in f32.
      const label = `case ${c}: vocab ${vocab} hidden ${hidden} G ${groupSize} actOrder ${actOrder} chunks ${matrix.chunks.length}`;
      expect(maxAbsDiff(await readFloats(device, out, ids.length * hidden), embeddingRef(w, hidden, ids)), label).toBe(0);
      if (chunked) expect(matrix.chunks.length, label).toBeGreaterThan(vocab > 1 ? 1 : 0);
    }
  });
});
