/**
 * The GPU sampler flags a row whose raw logits hold a NaN or ±Inf (SamplerOutput.nonFiniteLogits,
 * out word 42) and no other: one bad value anywhere in the vocabulary, in any chunk, at any
 * parameter mix, with finite rows in the same batch sampled exactly as the CPU reference says;
 * the bad row's id is still a valid token id (the GPU feeds it to the next step). Both workgroup
 * shapes, both reductions, the adapter's chunking and small chunks (many per row).
 */
import { describe, expect, it } from 'vitest';
import { testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';
import { randomLogits, randomRow } from '../support/sampler-cases.ts';
import { checkRow } from '../support/sampler-check.ts';
import { nonFiniteRef } from '../support/sampler-reference.ts';
import { runSampler, samplerVariants } from '../support/sampler-run.ts';

const variants = samplerVariants.flatMap((variant) => [variant, { ...variant, name: `${variant.name}, chunks of 64`, chunkTokens: 64 }]);

describe.each(variants)('GPU sampler flags rows with non-finite logits ($name)', (variant) => {
  it('exactly the rows holding a NaN, +Inf or -Inf; the other rows match the reference', async () => {
    const { device } = await testGpu();
    const random = new Random(31);
    let flagged = 0;
    for (const vocab of [700, 1000]) {
      const rowCount = 6;
      const logits = randomLogits(random, rowCount, vocab);
      const rows = Array.from({ length: rowCount }, () => randomRow(random, vocab));
      // Rows 1, 3, 4: one bad value each, first token, last token, anywhere; row 5: all NaN (a NaN hidden state).
      const plant = (row: number, token: number, value: number) => (logits[row * vocab + token] = value);
      plant(1, 0, NaN);
      plant(3, vocab - 1, Infinity);
      plant(4, random.int(0, vocab - 1), -Infinity);
      logits.fill(NaN, 5 * vocab, 6 * vocab);
      const got = await runSampler(device, vocab, logits, rows, variant);
      rows.forEach((row, r) => {
        const raw = logits.subarray(r * vocab, (r + 1) * vocab);
        const where = `vocab ${vocab} row ${r}`;
        expect(got.nonFiniteLogits[r], where).toBe(nonFiniteRef(raw) ? 1 : 0);
        expect(got.tokenIds[r], `${where}: a valid id`).toBeLessThan(vocab);
        if (got.nonFiniteLogits[r] === 1) flagged++;
        else checkRow(got, r, raw, row, where);
      });
    }
    expect(flagged).toBe(8);
  });
});
