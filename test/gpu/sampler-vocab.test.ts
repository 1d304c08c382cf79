/**
 * The GPU sampler at Qwen's vocabulary (151,936 tokens) against its CPU reference, and each of
 * its routes (sample_select.wgsl): the models' default sampling (Qwen2.5, Qwen3, Llama 3) and
 * top-k + top-p + min-p with penalties and bias on the chunks' candidates; plain temperature and
 * min_p alone by the race over the vocabulary; and the fallbacks — top_k beyond the candidates,
 * ties at the candidates' bound, a long top-p tail, top-p with a min_p that keeps many, and top
 * logprobs past ties at the raw bound — each asserted to take its route and still give the
 * reference's token. Then random rows over many small chunks at small vocabularies.
 *
 * Every variant: workgroups of 64 and 256, subgroup and workgroup-memory reductions.
 * Tolerances (sampler-check.ts): logprobs within 1e-5; ids exact except near ties (reported by
 * the reference: a decision within relative 3e-5 of its threshold), at most one such row here.
 */
import { describe, expect, it } from 'vitest';
import type { SamplerRoute } from '../../src/gpu/kernels/sampler-layout.ts';
import type { SamplerRow } from '../../src/gpu/kernels/sampler-row.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';
import { modelLikeLogits, randomEntries, randomLogits, randomMask, randomRow } from '../support/sampler-cases.ts';
import { checkRow } from '../support/sampler-check.ts';
import { runSampler, samplerVariants, type SamplerVariant } from '../support/sampler-run.ts';

const vocab = 151_936;
const off = { temperature: 1, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0, numLogprobs: 0, entries: [] };

interface Case {
  readonly name: string;
  readonly logits: Float32Array;
  readonly row: SamplerRow;
  readonly route: SamplerRoute;
  /** Top logprobs expected from the chunks' lists (the rest from scans of the vocabulary). */
  readonly listed?: number;
}

function seeded(random: Random): Pick<SamplerRow, 'seedLo' | 'seedHi' | 'counter'> {
  return { seedLo: random.int(0, 2 ** 32 - 1), seedHi: random.int(0, 2 ** 32 - 1), counter: random.int(0, 5000) };
}

/** Prompt and output tokens as the engine lists them: a few hundred, some with counts and bias. */
function penalties(random: Random): SamplerRow['entries'] {
  return randomEntries(random, vocab, 400);
}

function defaultCases(random: Random): Case[] {
  const logits = () => modelLikeLogits(random, vocab);
  const qwen25 = { ...off, temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05 };
  return [
    { name: 'Qwen2.5 defaults', logits: logits(), row: { ...qwen25, ...seeded(random), entries: penalties(random), numLogprobs: 5 }, route: 'chosen', listed: 5 },
    { name: 'Qwen3 defaults', logits: logits(), row: { ...off, temperature: 0.6, topP: 0.95, topK: 20, ...seeded(random) }, route: 'chosen' },
    { name: 'Llama 3 defaults', logits: logits(), row: { ...off, temperature: 0.6, topP: 0.9, ...seeded(random), numLogprobs: 20 }, route: 'chosen', listed: 20 },
    {
      name: 'top-k + top-p + min-p, penalties and bias',
      logits: logits(),
      row: { ...off, temperature: 0.9, topP: 0.85, topK: 40, minP: 0.02, repetitionPenalty: 1.1, presencePenalty: 0.5, frequencyPenalty: 0.3, ...seeded(random), entries: penalties(random) },
      route: 'chosen',
    },
    { name: 'Qwen2.5 defaults under a mask', logits: logits(), row: { ...qwen25, ...seeded(random), mask: randomMask(random, vocab, 0.5) }, route: 'chosen' },
    { name: 'greedy with penalties', logits: logits(), row: { ...off, temperature: 0, ...seeded(random), entries: penalties(random), numLogprobs: 20 }, route: 'chosen', listed: 20 },
    { name: 'plain temperature 1', logits: logits(), row: { ...off, ...seeded(random), numLogprobs: 1 }, route: 'race', listed: 1 },
    { name: 'min_p alone', logits: logits(), row: { ...off, temperature: 1.2, minP: 0.05, ...seeded(random) }, route: 'race' },
  ];
}

function fallbackCases(random: Random): Case[] {
  // Logits on a grid: exact ties, and distinct values far apart relative to float error.
  const grid = () => modelLikeLogits(random, vocab, 40, 1 / 64);
  // 10,000 tokens tied at the top: more than any chunk's list holds, whatever the chunking.
  const tiedTop = grid();
  const top = tiedTop.reduce((a, b) => Math.max(a, b));
  for (let j = 0; j < 10_000; j++) tiedTop[random.int(0, vocab - 1)] = top;
  const flat = Float32Array.from({ length: vocab }, () => Math.round(random.uniform(-1, 1) * 32) / 32);
  // Five clear leaders, then 20,000 raw logits tied above the rest: the lists serve five top
  // logprobs, scans of the vocabulary the other fifteen.
  const tiedRaw = grid();
  for (let j = 0; j < 20_000; j++) tiedRaw[random.int(0, vocab - 1)] = 18.5;
  for (let j = 0; j < 5; j++) tiedRaw[random.int(0, vocab - 1)] = 19 + j;
  return [
    { name: 'top_k beyond the candidates', logits: grid(), row: { ...off, temperature: 0.8, topK: 5000, ...seeded(random) }, route: 'fallback' },
    { name: 'ties at the candidates\' bound', logits: tiedTop, row: { ...off, temperature: 0.7, topK: 20, topP: 0.8, ...seeded(random) }, route: 'fallback' },
    { name: 'top_p alone over a flat distribution', logits: flat, row: { ...off, topP: 0.9, ...seeded(random) }, route: 'fallback' },
    { name: 'top_p with a min_p keeping many', logits: flat, row: { ...off, topP: 0.7, minP: 0.5, ...seeded(random) }, route: 'fallback' },
    { name: 'top logprobs past ties at the raw bound', logits: tiedRaw, row: { ...off, temperature: 0, ...seeded(random), numLogprobs: 20 }, route: 'chosen', listed: 5 },
  ];
}

async function checkCases(variant: SamplerVariant, cases: readonly Case[]): Promise<string[]> {
  const { device } = await testGpu();
  const logits = new Float32Array(cases.length * vocab);
  cases.forEach((c, r) => logits.set(c.logits, r * vocab));
  const got = await runSampler(device, vocab, logits, cases.map((c) => c.row), variant);
  const nearTies: string[] = [];
  cases.forEach((c, r) => {
    expect(got.states[r]!.route, `${c.name}: route`).toBe(c.route);
    if (c.listed !== undefined) expect(got.states[r]!.listedLogprobs, `${c.name}: top logprobs from the lists`).toBe(c.listed);
    const nearTie = checkRow(got, r, c.logits, c.row, c.name);
    if (nearTie !== undefined) nearTies.push(`${c.name}: ${nearTie}`);
  });
  console.log(`[sampler] ${cases.length} rows at vocab ${vocab}, near ties not compared: ${nearTies.length > 0 ? nearTies.join('; ') : 'none'}`);
  return nearTies;
}

describe.each(samplerVariants)('GPU sampler at 151,936 tokens and on each route ($name)', (variant) => {
  it('model defaults, filters with penalties, greedy, plain temperature: the reference\'s tokens', async () => {
    expect((await checkCases(variant, defaultCases(new Random(41)))).length).toBeLessThanOrEqual(1);
  });

  it('fallbacks: the whole-vocabulary search and top-logprob scans give the reference\'s tokens', async () => {
    expect((await checkCases(variant, fallbackCases(new Random(42)))).length).toBeLessThanOrEqual(1);
  });

  it('random rows over many small chunks (up to 16 on CPU adapters, ~50 on GPUs)', async () => {
    const { device } = await testGpu();
    const random = new Random(43);
    const nearTies: string[] = [];
    let rowsChecked = 0;
    for (const small of [random.int(200, 1000), random.int(1000, 3000)]) {
      const chunked = { ...variant, chunkTokens: variant.target.software ? Math.ceil(small / 16) : 64 };
      for (let batch = 0; batch < 3; batch++) {
        const rows = Array.from({ length: 6 }, () => randomRow(random, small));
        const logits = randomLogits(random, rows.length, small);
        const got = await runSampler(device, small, logits, rows, chunked);
        rows.forEach((row, r) => {
          const nearTie = checkRow(got, r, logits.subarray(r * small, (r + 1) * small), row, `vocab ${small} batch ${batch} row ${r}`);
          if (nearTie !== undefined) nearTies.push(nearTie);
          rowsChecked++;
        });
      }
    }
    expect(nearTies.length).toBeLessThanOrEqual(Math.ceil(rowsChecked * 0.05));
  });
});
