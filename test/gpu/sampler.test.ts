/**
 * The GPU sampler (sample_*.wgsl) against its CPU reference: token ids, raw logprobs and top
 * logprobs over random shapes and parameter mixes (token masks included), greedy with penalties
 * and bias, seeded determinism independent of the batch, masks that allow one token, and the
 * distribution of many draws, masked or not.
 *
 * Both workgroup shapes (256 on GPUs, 64 on CPU adapters) with subgroup and workgroup-memory
 * reductions run every case (sampler-vocab.test.ts: the real 151,936 vocabulary and every route).
 * Tolerances: logprobs within 1e-5 absolute (f32 log-sum-exp over ≤ 3000 logits of magnitude
 * ≤ 8); top-logprob ids exact. Sampled ids are exact except for rows the reference reports as a
 * near tie (a decision within relative 3e-5 of its threshold, or greedy values within 1e-5),
 * where f32 and f64 may rightly disagree; at most 5% of rows may be such.
 */
import { describe, expect, it } from 'vitest';
import { tokenMaskWords, type SamplerRow } from '../../src/gpu/kernels/sampler-row.ts';
import { maxAbsDiff, testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';
import { randomEntries, randomLogits, randomMask, randomRow } from '../support/sampler-cases.ts';
import { checkRow, logprobTolerance } from '../support/sampler-check.ts';
import { runSampler as sample, samplerVariants } from '../support/sampler-run.ts';
import { logSoftmaxRef, maskAllowsRef, processedLogitsRef, sampleRef, topLogprobsRef } from '../support/sampler-reference.ts';

// Both workgroup shapes (256 on GPUs, 64 on CPU adapters), subgroup and workgroup-memory reductions.
describe.each(samplerVariants)('GPU sampler matches its CPU reference ($name)', (variant) => {
  // Thousands of rows: on SwiftShader a workgroup of 256 costs ~30 ms a row (a coroutine per 4
  // invocations at every barrier), so these run in the CPU shape, with either reduction; the draw
  // is the same code in every shape, and the other cases compare every shape with the reference.
  const manyRows = it.runIf(variant.target.software);
  it('random shapes and parameter mixes: ids, logprobs, top logprobs; logits untouched', async () => {
    const { device } = await testGpu();
    const random = new Random(21);
    const nearTies: string[] = [];
    let rowsChecked = 0;
    // A few vocab sizes (each is a pipeline to build), most not multiples of 256.
    for (const vocab of [1, 256, ...Array.from({ length: 4 }, () => random.int(2, 3000))]) {
      for (let batch = 0; batch < 4; batch++) {
        const rowCount = random.int(1, 8);
        const logits = randomLogits(random, rowCount, vocab);
        const rows = Array.from({ length: rowCount }, () => randomRow(random, vocab));
        const got = await sample(device, vocab, logits, rows, variant);
        expect(maxAbsDiff(got.logitsAfter, logits), 'raw logits unchanged').toBe(0);
        rows.forEach((row, r) => {
          const where = `vocab ${vocab} batch ${batch} row ${r}`;
          const nearTie = checkRow(got, r, logits.subarray(r * vocab, (r + 1) * vocab), row, where);
          if (nearTie !== undefined) nearTies.push(`${where}: ${nearTie}`);
          rowsChecked++;
        });
      }
    }
    console.log(`[sampler] ${rowsChecked} rows, ${nearTies.length} near ties not compared${nearTies.length > 0 ? `: ${nearTies.join('; ')}` : ''}`);
    expect(nearTies.length).toBeLessThanOrEqual(Math.ceil(rowsChecked * 0.05));
  });

  it('greedy with bias and penalties equals the reference argmax, ties to the lowest id', async () => {
    const { device } = await testGpu();
    const random = new Random(22);
    for (const vocab of [5, 513, 2048]) {
      const rowCount = 8;
      const logits = randomLogits(random, rowCount, vocab);
      const rows = Array.from({ length: rowCount }, (_, r): SamplerRow => ({
        ...randomRow(random, vocab),
        temperature: 0,
        repetitionPenalty: random.uniform(0.7, 2),
        // Large biases and penalties move the winner, so the argmax is of the processed logits.
        entries: randomEntries(random, vocab, r * 4 + 1).map((entry) => ({ ...entry, bias: random.uniform(-10, 10) })),
      }));
      // Row 0: no entries and two equal maxima at ids a < b: the lower id wins.
      rows[0] = { ...rows[0]!, entries: [] };
      const [a, b] = [random.int(0, vocab - 2), vocab - 1];
      logits[a] = logits[b] = Math.max(...logits.subarray(0, vocab)) + 1;
      const got = await sample(device, vocab, logits, rows, variant);
      expect(got.tokenIds[0], `vocab ${vocab}: tie between ${a} and ${b}`).toBe(a);
      let moved = 0;
      rows.forEach((row, r) => {
        const raw = logits.subarray(r * vocab, (r + 1) * vocab);
        const processed = processedLogitsRef(raw, row);
        const expected = processed.indexOf(Math.max(...processed));
        if (sampleRef(raw, row).nearTie === undefined) expect(got.tokenIds[r], `vocab ${vocab} row ${r}`).toBe(expected);
        if (expected !== raw.indexOf(Math.max(...raw))) moved++;
      });
      expect(moved, `vocab ${vocab}: rows whose argmax the processing moved`).toBeGreaterThan(0);
    }
  });

  it("a seeded row's token depends on neither its position nor the rest of the batch", async () => {
    const { device } = await testGpu();
    const random = new Random(23);
    const vocab = 700;
    const target: SamplerRow = { ...randomRow(random, vocab, false), temperature: 1.3, topP: 0.95, topK: 0, minP: 0, numLogprobs: 3 };
    const targetLogits = randomLogits(random, 1, vocab);
    const ids: number[] = [];
    for (const [before, after] of [[0, 3], [5, 0], [2, 4]] as const) {
      const others = (length: number) => Array.from({ length }, () => randomRow(random, vocab));
      const rows = [...others(before), target, ...others(after)];
      const logits = randomLogits(random, rows.length, vocab);
      logits.set(targetLogits, before * vocab);
      const got = await sample(device, vocab, logits, rows, variant);
      ids.push(got.tokenIds[before]!);
    }
    expect(ids, 'same seed and counter, different batches').toEqual([ids[0], ids[0], ids[0]]);
    expect(ids[0]).toBe(sampleRef(targetLogits, target).tokenId);
    // The counter does move the draw: 16 counters of a flat distribution give several tokens.
    const counters = Array.from({ length: 16 }, (_, counter): SamplerRow => ({ ...target, counter, topP: 1 }));
    const flat = new Float32Array(16 * vocab);
    for (let r = 0; r < 16; r++) flat.set(targetLogits, r * vocab);
    const drawn = new Set((await sample(device, vocab, flat, counters, variant)).tokenIds);
    expect(drawn.size).toBeGreaterThan(8);
  });

  it('a mask allowing one token wins in greedy and sampled rows, against bias, penalties and filters', async () => {
    const { device } = await testGpu();
    const random = new Random(26);
    for (const vocab of [37, 700, random.int(1000, 3000)]) {
      const rowCount = 8;
      const logits = randomLogits(random, rowCount, vocab);
      const only: number[] = [];
      const rows = Array.from({ length: rowCount }, (_, r): SamplerRow => {
        const raw = logits.subarray(r * vocab, (r + 1) * vocab);
        // The least likely token, with the most likely one biased further up.
        const [lowest, highest] = [raw.indexOf(Math.min(...raw)), raw.indexOf(Math.max(...raw))];
        only.push(lowest);
        const mask = new Uint32Array(tokenMaskWords(vocab));
        mask[lowest >>> 5] = 1 << (lowest & 31);
        return {
          ...randomRow(random, vocab, false),
          temperature: [0, 1e-6, 1, 1.7][r % 4]!,
          topK: r % 2 === 0 ? 1 : 0,
          topP: r % 3 === 0 ? 0.1 : 1,
          minP: r % 5 === 0 ? 0.9 : 0,
          repetitionPenalty: 1.3,
          numLogprobs: 5,
          entries: [{ token: highest, outputCount: 0, seen: false, bias: 50 }, { token: lowest, outputCount: 3, seen: true, bias: -5 }],
          mask,
        };
      });
      const got = await sample(device, vocab, logits, rows, variant);
      rows.forEach((row, r) => {
        const raw = logits.subarray(r * vocab, (r + 1) * vocab);
        expect(got.tokenIds[r], `vocab ${vocab} row ${r}`).toBe(only[r]);
        // Logprobs are the raw model's, mask or not.
        expect(Math.abs(got.logprobs[r]! - logSoftmaxRef(raw)[only[r]!]!)).toBeLessThan(logprobTolerance);
        expect(got.top[r]!.ids).toEqual(topLogprobsRef(raw, 5).ids);
      });
    }
  });

  manyRows('3,000 seeded draws under a mask follow the renormalised distribution over the allowed tokens', async () => {
    const { device } = await testGpu();
    const random = new Random(27);
    const vocab = 70;
    const draws = 3000;
    const raw = random.floats(vocab, 2);
    const mask = randomMask(random, vocab, 0.3);
    const base: SamplerRow = {
      temperature: 1, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0,
      seedLo: 0, seedHi: 0, counter: 0, numLogprobs: 0, entries: [], mask,
    };
    const rows = Array.from({ length: draws }, (_, i): SamplerRow => ({ ...base, seedLo: random.int(0, 2 ** 32 - 1), counter: i }));
    const logits = new Float32Array(draws * vocab);
    for (let r = 0; r < draws; r++) logits.set(raw, r * vocab);
    const got = await sample(device, vocab, logits, rows, variant);
    const probs = sampleRef(raw, base).probs!;
    const counts = new Float64Array(vocab);
    got.tokenIds.forEach((id) => (counts[id]! += 1));
    counts.forEach((count, id) => {
      if (!maskAllowsRef(base, id)) expect(count, `masked token ${id} drawn`).toBe(0);
    });
    let totalVariation = 0;
    counts.forEach((count, id) => (totalVariation += Math.abs(count / draws - probs[id]!) / 2));
    const allowed = probs.filter((p) => p > 0).length;
    console.log(`[sampler] ${draws} masked draws over ${allowed} allowed tokens: total variation ${totalVariation.toFixed(4)}`);
    expect(allowed).toBeGreaterThan(10);
    expect(totalVariation).toBeLessThan(0.05);
  });

  manyRows('each filter alone: 600 draws each equal the reference and never pick a filtered token', async () => {
    const { device } = await testGpu();
    const random = new Random(25);
    const vocab = 50;
    const raw = random.floats(vocab, 3);
    const off = { temperature: 1, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0 };
    const settings = [{ topP: 0.6 }, { topK: 7 }, { minP: 0.15 }];
    const rows = settings.flatMap((filter) => Array.from({ length: 600 }, (_, i): SamplerRow => ({
      ...off, ...filter, seedLo: random.int(0, 2 ** 32 - 1), seedHi: 0, counter: i, numLogprobs: 0, entries: [],
    })));
    const logits = new Float32Array(rows.length * vocab);
    for (let r = 0; r < rows.length; r++) logits.set(raw, r * vocab);
    const got = await sample(device, vocab, logits, rows, variant);
    settings.forEach((filter, s) => {
      const probs = sampleRef(raw, rows[s * 600]!).probs!;
      const kept = probs.filter((p) => p > 0).length;
      expect(kept, JSON.stringify(filter)).toBeLessThan(vocab / 2);
      // Right at the boundary: the least likely kept token is drawn now and then (so an off-by-one
      // keeping one token more or fewer would show).
      const drawn = new Set<number>();
      for (let r = s * 600; r < (s + 1) * 600; r++) {
        const id = got.tokenIds[r]!;
        const ref = sampleRef(raw, rows[r]!);
        if (ref.nearTie === undefined) expect(id, `${JSON.stringify(filter)} draw ${r}`).toBe(ref.tokenId);
        expect(probs[id], `${JSON.stringify(filter)} draw ${r}: filtered token ${id}`).toBeGreaterThan(0);
        drawn.add(id);
      }
      expect(drawn.size, `${JSON.stringify(filter)}: kept tokens drawn`).toBe(kept);
    });
  });

  manyRows('4,000 seeded draws follow the filtered, renormalised distribution (total variation < 0.05)', async () => {
    const { device } = await testGpu();
    const random = new Random(24);
    const vocab = 40;
    const draws = 4000;
    const raw = random.floats(vocab, 3);
    const base: SamplerRow = {
      temperature: 0.9, topP: 0.9, topK: 14, minP: 0.03, repetitionPenalty: 1.2, presencePenalty: 0.3, frequencyPenalty: 0.1,
      seedLo: 0, seedHi: 0, counter: 0, numLogprobs: 0, entries: randomEntries(random, vocab, 6),
    };
    const rows = Array.from({ length: draws }, (_, i): SamplerRow => ({
      ...base, seedLo: random.int(0, 2 ** 32 - 1), seedHi: i % 3, counter: random.int(0, 100_000),
    }));
    const logits = new Float32Array(draws * vocab);
    for (let r = 0; r < draws; r++) logits.set(raw, r * vocab);
    const got = await sample(device, vocab, logits, rows, variant);
    const probs = sampleRef(raw, base).probs!;
    const kept = probs.filter((p) => p > 0).length;
    expect(kept, 'the filters leave several tokens and drop several').toBeGreaterThan(3);
    expect(kept).toBeLessThan(14);
    const counts = new Float64Array(vocab);
    got.tokenIds.forEach((id, r) => {
      counts[id]! += 1;
      const ref = sampleRef(raw, rows[r]!);
      if (ref.nearTie === undefined) expect(id, `draw ${r}`).toBe(ref.tokenId);
    });
    counts.forEach((count, id) => {
      if (probs[id] === 0) expect(count, `filtered token ${id} drawn`).toBe(0);
    });
    let totalVariation = 0;
    counts.forEach((count, id) => (totalVariation += Math.abs(count / draws - probs[id]!) / 2));
    console.log(`[sampler] ${draws} draws over ${kept} kept tokens: total variation ${totalVariation.toFixed(4)}`);
    expect(totalVariation).toBeLessThan(0.05);
  });
});
