/** Random sampler rows, penalty entries, token masks and logits for the GPU sampler tests. */
import { tokenMaskWords, type SamplerRow } from '../../src/gpu/kernels/sampler-row.ts';
import type { Random } from './random.ts';

export function randomEntries(random: Random, vocab: number, count: number): SamplerRow['entries'] {
  const tokens = new Set<number>();
  while (tokens.size < Math.min(count, vocab)) tokens.add(random.int(0, vocab - 1));
  return [...tokens].map((token) => {
    const outputCount = random.pick([0, 0, 1, 2, 5]);
    return { token, outputCount, seen: outputCount > 0 || random.next() < 0.5, bias: random.next() < 0.3 ? random.uniform(-5, 5) : 0 };
  });
}

/**
 * A random token mask: one allowed token, or a sparse, half or dense set (always at least one);
 * bits past the vocab are set at random too, as XGrammar leaves them, and must be ignored.
 */
export function randomMask(random: Random, vocab: number, density = random.pick([0, 0.05, 0.5, 0.95])): Uint32Array {
  const mask = new Uint32Array(tokenMaskWords(vocab));
  const allow = (token: number) => (mask[token >>> 5]! |= 1 << (token & 31));
  for (let token = 0; token < vocab; token++) if (random.next() < density) allow(token);
  allow(random.int(0, vocab - 1));
  for (let token = vocab; token < mask.length * 32; token++) if (random.next() < 0.5) allow(token);
  return mask;
}

export function randomRow(random: Random, vocab: number, masked = random.next() < 0.4): SamplerRow {
  const off = () => random.next() < 0.5;
  return {
    ...(masked ? { mask: randomMask(random, vocab) } : {}),
    temperature: random.next() < 0.25 ? random.pick([0, 1e-6]) : random.pick([1, random.uniform(0.3, 2)]),
    topP: off() ? 1 : random.uniform(0.2, 0.99),
    topK: off() ? 0 : random.pick([1, 2, random.int(1, vocab + 2)]),
    minP: off() ? 0 : random.uniform(0.001, 0.5),
    repetitionPenalty: off() ? 1 : random.uniform(0.8, 1.5),
    presencePenalty: off() ? 0 : random.uniform(-1, 1.5),
    frequencyPenalty: off() ? 0 : random.uniform(-0.5, 1),
    seedLo: random.int(0, 2 ** 32 - 1),
    seedHi: random.int(0, 2 ** 32 - 1),
    counter: random.int(0, 5000),
    numLogprobs: random.pick([0, 0, 1, 5, 20]),
    entries: off() ? [] : randomEntries(random, vocab, random.int(1, 40)),
  };
}

/** Random logits with a few exact ties per row, one of them at the row's maximum. */
export function randomLogits(random: Random, rowCount: number, vocab: number): Float32Array {
  const logits = random.floats(rowCount * vocab, random.uniform(1, 8));
  for (let r = 0; r < rowCount; r++) {
    const row = logits.subarray(r * vocab, (r + 1) * vocab);
    for (let t = 0; t < 3; t++) row[random.int(0, vocab - 1)] = row[random.int(0, vocab - 1)]!;
    if (random.next() < 0.3) row[random.int(0, vocab - 1)] = row[random.int(0, vocab - 1)] = Math.max(...row) + 0.5;
  }
  return logits;
}

/**
 * One row of logits shaped like a language model's over a large vocabulary: a normal bulk
 * (σ 2.5) and `peaks` clear candidates in [12, 18]; with `step`, every value is rounded to a
 * multiple of it (exact ties, and no two distinct values within float error of each other).
 */
export function modelLikeLogits(random: Random, vocab: number, peaks = 40, step?: number): Float32Array {
  const logits = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) logits[i] = 2.5 * Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  for (let j = 0; j < peaks; j++) logits[random.int(0, vocab - 1)] = random.uniform(12, 18);
  if (step !== undefined) logits.forEach((x, i) => (logits[i] = Math.round(x / step) * step));
  return logits;
}
