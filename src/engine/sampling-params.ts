/**
 * Per-request sampling parameters (vLLM's SamplingParams, camelCase), their validation into typed
 * errors naming the field, and the defaults the model's generation_config.json supplies.
 */
import { LlmError } from '../errors.ts';
import { maxTopLogprobs, tokenMaskWords } from '../gpu/kernels/sampler-row.ts';
import type { GenerationConfig } from '../model/generation-config.ts';
import { showValue } from '../shown-value.ts';

export interface SamplingParams {
  /** Most tokens to generate (≥ 1). */
  readonly maxTokens: number;
  /** 0 = greedy. Default: generation_config.json, else 1. */
  readonly temperature?: number;
  readonly topP?: number;
  /** 0 or -1 = off. */
  readonly topK?: number;
  readonly minP?: number;
  readonly repetitionPenalty?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  /** Token id → bias added to its logit, each in [-100, 100]. */
  readonly logitBias?: Readonly<Record<number, number>>;
  /** Same seed and prompt → same tokens, whatever else is in the batch. */
  readonly seed?: number;
  /** Extra ids that end generation, besides the model's EOS ids. */
  readonly stopTokenIds?: readonly number[];
  /** Keep going past EOS (benchmarks). */
  readonly ignoreEos?: boolean;
  /** Return the sampled token's logprob and this many top alternatives (0–20). */
  readonly logprobs?: number;
  /** No EOS or stop token id may be sampled before this many output tokens (vLLM min_tokens). */
  readonly minTokens?: number;
  /** Only these ids may be sampled (vLLM allowed_token_ids). */
  readonly allowedTokenIds?: readonly number[];
  /** Id sequences the output must not complete: a sequence's last id is banned while the output ends with the rest (vLLM bad_words). */
  readonly badWordIds?: readonly (readonly number[])[];
}

/** Every field set: what a sequence samples with. */
export interface ResolvedSampling {
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  readonly minP: number;
  readonly repetitionPenalty: number;
  readonly presencePenalty: number;
  readonly frequencyPenalty: number;
  readonly logitBias: ReadonlyMap<number, number>;
  readonly seed: number;
  readonly stopTokenIds: readonly number[];
  readonly ignoreEos: boolean;
  readonly logprobs: number | undefined;
  readonly minTokens: number;
  /** allowedTokenIds as a sampler bitmask (tokenMaskWords(vocab) words); undefined: all allowed. */
  readonly allowedTokenMask: Uint32Array | undefined;
  readonly badWordIds: readonly (readonly number[])[];
}

export const maxLogitBias = 300;

const knownFields = new Set([
  'maxTokens', 'temperature', 'topP', 'topK', 'minP', 'repetitionPenalty', 'presencePenalty', 'frequencyPenalty',
  'logitBias', 'seed', 'stopTokenIds', 'ignoreEos', 'logprobs', 'minTokens', 'allowedTokenIds', 'badWordIds',
]);

/** The message starts with the field, as the API layer's do (`topK: must be …`), so a renamed field reads alike. */
function invalid(field: string, message: string): LlmError {
  return new LlmError('invalid_argument', `${field}: ${message}`, field);
}

function numberIn(params: Record<string, unknown>, field: string, low: number, high: number, fallback: number, lowOpen = false): number {
  const value = params[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value > high || (lowOpen ? value <= low : value < low)) {
    throw invalid(field, `must be a number in ${lowOpen ? '(' : '['}${low}, ${high}], got ${showValue(value)}`);
  }
  return value;
}

function tokenId(value: unknown, field: string, vocabSize: number): number {
  const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw invalid(field, `has token id ${showValue(value)} outside the vocabulary [0, ${vocabSize})`);
  }
  return id;
}

/** Checks every field, fills defaults, and throws `invalid_argument` naming the first bad field. */
export function resolveSampling(params: SamplingParams, defaults: GenerationConfig, vocabSize: number, randomSeed: () => number): ResolvedSampling {
  if (typeof params !== 'object' || params === null) throw invalid('sampling', 'must be an object');
  const record = params as unknown as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !knownFields.has(key));
  if (unknown.length > 0) throw invalid(unknown[0]!, `is not a sampling parameter (known: ${[...knownFields].join(', ')})`);
  const { maxTokens } = params;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw invalid('maxTokens', `must be a positive integer, got ${showValue(maxTokens)}`);
  }
  const topK = params.topK ?? defaults.topK ?? 0;
  if (!Number.isInteger(topK) || topK < -1) throw invalid('topK', `must be an integer ≥ -1, got ${showValue(topK)}`);
  const logitBias = new Map<number, number>();
  const bias: unknown = params.logitBias ?? {};
  if (typeof bias !== 'object' || bias === null || Array.isArray(bias)) throw invalid('logitBias', `must be an object mapping token ids to biases, got ${showValue(bias)}`);
  const biasEntries = Object.entries(bias);
  // OpenAI's limit; it also bounds the sampler's per-row entry buffer.
  if (biasEntries.length > maxLogitBias) throw invalid('logitBias', `may have at most ${maxLogitBias} entries, got ${biasEntries.length}`);
  for (const [key, bias] of biasEntries) {
    if (typeof bias !== 'number' || !Number.isFinite(bias) || bias < -100 || bias > 100) throw invalid('logitBias', `values must be numbers in [-100, 100], got ${showValue(bias)}`);
    logitBias.set(tokenId(key, 'logitBias', vocabSize), bias);
  }
  const stopTokenIds = params.stopTokenIds ?? [];
  if (!Array.isArray(stopTokenIds)) throw invalid('stopTokenIds', 'must be an array of token ids');
  const seed = params.seed ?? randomSeed();
  if (!Number.isSafeInteger(seed)) throw invalid('seed', `must be an integer, got ${showValue(seed)}`);
  const logprobs = params.logprobs;
  if (logprobs !== undefined && (!Number.isInteger(logprobs) || logprobs < 0 || logprobs > maxTopLogprobs)) {
    throw invalid('logprobs', `must be an integer in [0, ${maxTopLogprobs}], got ${showValue(logprobs)}`);
  }
  if (params.ignoreEos !== undefined && typeof params.ignoreEos !== 'boolean') throw invalid('ignoreEos', 'must be a boolean');
  const minTokens = params.minTokens ?? 0;
  if (!Number.isSafeInteger(minTokens) || minTokens < 0) throw invalid('minTokens', `must be a non-negative integer, got ${showValue(minTokens)}`);
  // vLLM's check too: a minimum above the maximum cannot be met.
  if (minTokens > maxTokens) throw invalid('minTokens', `must be at most the number of tokens to generate (${maxTokens}), got ${minTokens}`);
  return {
    maxTokens,
    temperature: numberIn(record, 'temperature', 0, 100, defaults.temperature ?? 1),
    topP: numberIn(record, 'topP', 0, 1, defaults.topP ?? 1, true),
    topK: topK <= 0 ? 0 : topK,
    minP: numberIn(record, 'minP', 0, 1, defaults.minP ?? 0),
    repetitionPenalty: numberIn(record, 'repetitionPenalty', 0, 100, defaults.repetitionPenalty ?? 1, true),
    presencePenalty: numberIn(record, 'presencePenalty', -2, 2, 0),
    frequencyPenalty: numberIn(record, 'frequencyPenalty', -2, 2, 0),
    logitBias,
    seed,
    stopTokenIds: stopTokenIds.map((id) => tokenId(id, 'stopTokenIds', vocabSize)),
    ignoreEos: params.ignoreEos ?? false,
    logprobs,
    minTokens,
    allowedTokenMask: allowedTokenMask(params.allowedTokenIds, vocabSize),
    badWordIds: badWordIds(params.badWordIds, vocabSize),
  };
}

function allowedTokenMask(ids: unknown, vocabSize: number): Uint32Array | undefined {
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || ids.length === 0) throw invalid('allowedTokenIds', 'must be a non-empty array of token ids');
  const mask = new Uint32Array(tokenMaskWords(vocabSize));
  for (const value of ids) {
    const id = tokenId(value, 'allowedTokenIds', vocabSize);
    mask[id >> 5]! |= 1 << (id & 31);
  }
  return mask;
}

function badWordIds(words: unknown, vocabSize: number): number[][] {
  if (words === undefined) return [];
  if (!Array.isArray(words)) throw invalid('badWordIds', 'must be an array of token id sequences');
  return words.map((word: unknown) => {
    if (!Array.isArray(word) || word.length === 0) throw invalid('badWordIds', `entries must be non-empty arrays of token ids, got ${showValue(word)}`);
    return word.map((id) => tokenId(id, 'badWordIds', vocabSize));
  });
}
