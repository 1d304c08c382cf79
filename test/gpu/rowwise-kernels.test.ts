/**
 * Embedding, RMSNorm, SwiGLU and row gather against their CPU references,
 * each on 24 random shapes including sizes that are not multiples of the workgroup size;
 * RMSNorm again with subgroup sums on 12.
 */
import { describe, expect, it } from 'vitest';
import { bindEmbedding } from '../../src/gpu/kernels/embedding.ts';
import { GatherRowsKernel } from '../../src/gpu/kernels/gather-rows.ts';
import { RmsNormKernel } from '../../src/gpu/kernels/rmsnorm.ts';
import { SwiGluKernel } from '../../src/gpu/kernels/swiglu.ts';
import { createPackedMatrix, createPackedVector, writeMatrixRows } from '../../src/gpu/packed-weights.ts';
import { embeddingRef, rmsNormRef, siluRef } from '../support/cpu-reference.ts';
import { maxAbsDiff, readFloats, runCalls, stepUniforms, storageBuffer, testGpu } from '../support/gpu-harness.ts';
import { Random, halvesToFloats } from '../support/random.ts';

const shapes = 24;

/** RMSNorm on `cases` random shapes (dim up to 1100, not a multiple of the workgroup) against the CPU reference. */
async function checkRmsNorm(random: Random, cases: number, subgroups: boolean): Promise<void> {
  const { device } = await testGpu();
  for (let c = 0; c < cases; c++) {
    const dim = c < 2 ? [64, 128][c]! : random.int(1, 1100);
    const rowCount = random.int(1, 20);
    const eps = random.pick([1e-6, 1e-5]);
    const x = random.floats(rowCount * dim, random.uniform(0.1, 10));
    const weightHalves = random.halves(dim, -3, 1);
    const out = storageBuffer(device, rowCount * dim * 4);
    const counts = { tokens: rowCount, sampleRows: 0 };
    const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
    const kernel = new RmsNormKernel(device, dim, eps, subgroups);
    await runCalls(device, [kernel.bind(rows, storageBuffer(device, x), createPackedVector(device, [weightHalves], 'w'), out)], counts);
    const expected = rmsNormRef(x, rowCount, dim, halvesToFloats(weightHalves), eps);
    // Outputs are O(weight) ≤ 4; f32 sums over ≤ 1100 terms keep ~1e-6 relative error.
    expect(maxAbsDiff(await readFloats(device, out, rowCount * dim), expected), `case ${c} dim ${dim} subgroups ${subgroups}`).toBeLessThan(4e-5);
  }
}

describe('row-wise kernels match their CPU references', () => {
  it('embedding gather (exact), tables split into chunks too', async () => {
    const { device } = await testGpu();
    const random = new Random(1);
    for (let c = 0; c < shapes; c++) {
      const vocab = random.int(1, 300);
      const hidden = random.int(1, 200);
      const tokens = random.int(1, 40);
      const halves = random.halves(vocab * hidden);
      // Every third case forces several chunks, as a vocab larger than one binding would.
      const maxBinding = c % 3 === 0 ? Math.max(16, Math.ceil(hidden / 8) * 16 * random.int(1, 7)) : undefined;
      const table = createPackedMatrix(device, vocab, hidden, 'embed', maxBinding);
      writeMatrixRows(device, table, 0, halves);
      const ids = Array.from({ length: tokens }, () => random.int(0, vocab - 1));
      const out = storageBuffer(device, tokens * hidden * 4);
      const rows = { uniforms: stepUniforms(device, { tokens, sampleRows: 0 }), count: 'tokens' as const };
      await runCalls(device, [bindEmbedding(device, rows, table, storageBuffer(device, Uint32Array.from(ids)), out)], { tokens, sampleRows: 0 });
      const expected = embeddingRef(halvesToFloats(halves), hidden, ids);
      // Tolerance: exact — f16 → f32 is lossless.
      expect(maxAbsDiff(await readFloats(device, out, tokens * hidden), expected), `case ${c} vocab ${vocab} hidden ${hidden}`).toBe(0);
    }
  });

  it('rmsnorm within 1e-5 relative to the row scale', async () => {
    await checkRmsNorm(new Random(2), shapes, false);
  });

  it('rmsnorm with subgroup sums, the same tolerance', async ({ skip }) => {
    const { features } = await testGpu();
    if (!features.has('subgroups')) skip('the adapter has no subgroups');
    await checkRmsNorm(new Random(5), 12, true);
  });

  it('swiglu within 2e-5', async () => {
    const { device } = await testGpu();
    const random = new Random(3);
    for (let c = 0; c < shapes; c++) {
      const dim = random.int(1, 700);
      const tokens = random.int(1, 33);
      const counts = { tokens, sampleRows: 0 };
      const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
      const gateUp = random.floats(tokens * 2 * dim, 6);
      const act = storageBuffer(device, tokens * dim * 4);
      await runCalls(device, [
        new SwiGluKernel(device, dim).bind(rows, storageBuffer(device, gateUp), act),
      ], counts);
      const swiglu = new Float64Array(tokens * dim);
      for (let t = 0; t < tokens; t++) {
        for (let i = 0; i < dim; i++) swiglu[t * dim + i] = siluRef(gateUp[t * 2 * dim + i]!) * gateUp[t * 2 * dim + dim + i]!;
      }
      // Tolerance: f32 exp inside silu, on outputs up to 36.
      expect(maxAbsDiff(await readFloats(device, act, tokens * dim), swiglu), `swiglu case ${c}`).toBeLessThan(2e-5);
    }
  });

  it('row gather (exact)', async () => {
    const { device } = await testGpu();
    const random = new Random(4);
    for (let c = 0; c < shapes; c++) {
      const dim = random.int(1, 3000);
      const tokens = random.int(1, 30);
      const sampleRows = random.int(1, Math.min(tokens, 8));
      const counts = { tokens, sampleRows };
      const x = random.floats(tokens * dim, 5);
      const indices = Array.from({ length: sampleRows }, () => random.int(0, tokens - 1));
      const gathered = storageBuffer(device, sampleRows * dim * 4);
      const uniforms = stepUniforms(device, counts);
      const sample = { uniforms, count: 'sampleRows' as const };
      await runCalls(device, [
        new GatherRowsKernel(device, dim).bind(sample, storageBuffer(device, x), storageBuffer(device, Uint32Array.from(indices)), gathered),
      ], counts);
      const expectedRows = indices.flatMap((row) => Array.from(x.subarray(row * dim, (row + 1) * dim)));
      expect(maxAbsDiff(await readFloats(device, gathered, sampleRows * dim), expectedRows), `gather case ${c}`).toBe(0);
    }
  });
});
