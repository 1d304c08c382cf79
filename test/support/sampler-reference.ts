/**
 * CPU reference for the GPU sampler (shaders/sample_*.wgsl), written plainly: sorts and
 * float64, the processed logits rounded to f32 step by step as the GPU computes them, and the
 * same counter-based hash, so seeded draws match token for token. Each row also says whether it
 * sits within float error of a decision (a near tie), where f32 and f64 may rightly disagree.
 */
import type { SamplerRow } from '../../src/gpu/kernels/sampler-row.ts';

const f32 = Math.fround;
/** Relative gap under which two e values (or scores, or masses) count as a near tie. */
export const nearTieTolerance = 3e-5;

/** lowbias32 (hash-prospector constants 0x21f0aaad, 0x735a2d97). */
export function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** The uniform in (0, 1) of (seed, counter, token): (top 23 hash bits + 0.5) / 2^23. */
export function samplerUniform(seedLo: number, seedHi: number, counter: number, token: number): number {
  const h = mix32(mix32(mix32(mix32((seedLo ^ 0x9e3779b9) >>> 0) ^ seedHi) ^ counter) ^ token);
  return ((h >>> 9) + 0.5) / 2 ** 23;
}

export function logSoftmaxRef(raw: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < raw.length; i++) max = Math.max(max, raw[i] as number);
  let sum = 0;
  for (let i = 0; i < raw.length; i++) sum += Math.exp((raw[i] as number) - max);
  return Float64Array.from(raw, (x) => x - max - Math.log(sum));
}

/** The n best raw logprobs, best first, ties to the lower id. */
export function topLogprobsRef(raw: ArrayLike<number>, n: number): { ids: number[]; logprobs: number[] } {
  const logprobs = logSoftmaxRef(raw);
  const ids = Array.from(raw, (_, i) => i).sort((a, b) => (raw[b] as number) - (raw[a] as number) || a - b).slice(0, n);
  return { ids, logprobs: ids.map((i) => logprobs[i] as number) };
}

/** Whether the row's raw logits hold a NaN or ±Inf (the sampler flags the row; its token means nothing). */
export function nonFiniteRef(raw: ArrayLike<number>): boolean {
  return Array.prototype.some.call(raw, (x: number) => !Number.isFinite(x));
}

/** Whether the row's mask (if any) allows `token`. */
export function maskAllowsRef(row: SamplerRow, token: number): boolean {
  return row.mask === undefined || Math.floor((row.mask[Math.floor(token / 32)] ?? 0) / 2 ** (token % 32)) % 2 === 1;
}

/**
 * Tokens outside the row's mask are −∞ before anything else (the GPU uses the lowest f32: the
 * same after exp); then bias, repetition penalty (seen tokens), frequency and presence, each op
 * in f32.
 */
export function processedLogitsRef(raw: ArrayLike<number>, row: SamplerRow): Float64Array {
  const out = Float64Array.from(raw, (x, token) => (maskAllowsRef(row, token) ? x : -Infinity));
  const repetition = f32(row.repetitionPenalty);
  for (const { token, outputCount, seen, bias } of row.entries) {
    if (!maskAllowsRef(row, token)) continue;
    let x = f32((raw[token] as number) + f32(bias));
    if (seen) x = x > 0 ? f32(x / repetition) : f32(x * repetition);
    x = f32(x - f32(f32(row.frequencyPenalty) * outputCount));
    x = f32(x - f32(row.presencePenalty) * (outputCount > 0 ? 1 : 0));
    out[token] = x;
  }
  return out;
}

export interface SampleRef {
  readonly tokenId: number;
  /** Random rows: the filtered, renormalised distribution the token is drawn from. */
  readonly probs: Float64Array | undefined;
  /** Why this row's token may rightly differ on the GPU, or undefined. */
  readonly nearTie: string | undefined;
}

const near = (a: number, b: number) => Math.abs(a - b) <= nearTieTolerance * Math.max(Math.abs(a), Math.abs(b));

export function sampleRef(raw: ArrayLike<number>, row: SamplerRow): SampleRef {
  const processed = processedLogitsRef(raw, row);
  if (!(row.temperature >= 1e-5)) return greedyRef(processed); // vLLM's _SAMPLING_EPS
  // vLLM's order: temperature, min_p, top_k, top_p (each on what the previous kept), the draw.
  const vocab = raw.length;
  const temperature = f32(row.temperature);
  const scores = processed.map((x) => f32(x / temperature));
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  const e = scores.map((s) => (s === max ? 1 : Number.isNaN(s) ? 0 : Math.exp(s - max)));
  const minP = f32(Math.min(Math.max(row.minP, 0), 1));
  const kept = Array.from(e, (value) => value >= minP);
  let nearTie: string | undefined;
  if (minP > 0 && e.some((value) => value !== minP && near(value, minP))) nearTie = 'min_p boundary';
  if (row.topK > 0 && row.topK < vocab) {
    const sorted = Array.from(e).sort((a, b) => b - a);
    const kth = sorted[row.topK - 1] as number;
    const next = sorted[row.topK] as number;
    if (kth !== next && near(kth, next)) nearTie = 'top_k boundary';
    e.forEach((value, i) => (kept[i] &&= value >= kth));
  }
  if (row.topP < 1) nearTie = applyTopP(e, kept, f32(row.topP)) ?? nearTie;
  kept.forEach((_, i) => (kept[i] ||= e[i] === 1));
  // Exponential race: argmax e / E over kept tokens.
  let best = -1;
  let bestScore = -1;
  let second = -1;
  for (let i = 0; i < vocab; i++) {
    if (!kept[i]) continue;
    const score = (e[i] as number) / -Math.log(samplerUniform(row.seedLo, row.seedHi, row.counter, i));
    if (score > bestScore) [second, bestScore, best] = [bestScore, score, i];
    else second = Math.max(second, score);
  }
  if (second > 0 && near(bestScore, second)) nearTie ??= 'race';
  let mass = 0;
  e.forEach((value, i) => (mass += kept[i] ? value : 0));
  return { tokenId: best, probs: e.map((value, i) => (kept[i] ? value / mass : 0)), nearTie };
}

/**
 * Keeps a token iff the kept mass strictly above it is < topP · kept mass (vLLM's ascending
 * cumsum rule). Returns a reason when a decision is within float error: the GPU sums in f32, and
 * values within the tolerance may compare equal there.
 */
function applyTopP(e: Float64Array, kept: boolean[], topP: number): string | undefined {
  const order = Array.from(e, (_, i) => i).filter((i) => kept[i]).sort((a, b) => (e[b] as number) - (e[a] as number));
  let total = 0;
  for (const i of order) total += e[i] as number;
  const target = topP * total;
  const slack = nearTieTolerance * total;
  let nearTie: string | undefined;
  let above = 0; // mass of values strictly above the current group
  for (let g = 0; g < order.length; ) {
    const value = e[order[g] as number] as number;
    let end = g;
    let groupMass = 0;
    while (end < order.length && e[order[end] as number] === value) groupMass += e[order[end++] as number] as number;
    // Values within the tolerance of this group may fall on either side of it in f32.
    let least = above;
    for (let j = g - 1; j >= 0 && near(e[order[j] as number] as number, value); j--) least -= e[order[j] as number] as number;
    let most = above;
    for (let j = end; j < order.length && near(e[order[j] as number] as number, value); j++) most += e[order[j] as number] as number;
    const keep = above < target;
    if (keep ? most + slack >= target : least - slack < target) nearTie = 'top_p boundary';
    for (let j = g; j < end; j++) kept[order[j] as number] = keep;
    above += groupMass;
    g = end;
  }
  return nearTie;
}

function greedyRef(processed: Float64Array): SampleRef {
  let best = -1;
  for (let i = 0; i < processed.length; i++) {
    const v = processed[i] as number;
    if (!Number.isNaN(v) && (best < 0 || v > (processed[best] as number))) best = i;
  }
  const top = processed[best] as number;
  // A loop, not Math.max(...): a spread of a real vocabulary overflows the call stack.
  let closest = -Infinity;
  for (const v of processed) if (v < top && v > closest) closest = v;
  const nearTie = top - closest <= 1e-5 * Math.max(1, Math.abs(top)) ? 'greedy' : undefined;
  return { tokenId: Math.max(best, 0), probs: undefined, nearTie };
}
