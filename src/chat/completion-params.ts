/**
 * Checks a completions request (vLLM's /v1/completions, OpenAI's legacy text completions) field by
 * field: the prompt in its four shapes, echo, integer logprobs, max_tokens (default 16, as both
 * servers have it), and the sampling, stop and stream fields it shares with chat (chat-params.ts).
 * Which fields are honoured, ignored or refused is data in completion-fields.ts; every bad, refused
 * or unknown field is an `invalid_argument` error naming the field.
 */
import { maxTopLogprobs } from '../gpu/kernels/sampler-row.ts';
import { badWords, checkMinTokens, maxChoices, samplingFields, stopStrings, streamFields, type SharedRequestParams } from './chat-params.ts';
import { checkCompletionFields } from './completion-fields.ts';
import { defined, invalidParam, isBoolean, isInteger, isString, optional, positiveInteger, show } from './param-checks.ts';

/** OpenAI's and vLLM's default when max_tokens is absent or null. */
export const defaultMaxTokens = 16;

/** Most sequences (prompts × n) one request may queue. */
export const maxCompletionSequences = 1024;

/** A text prompt is tokenized by the service; token ids go to the engine as they are. */
export type PromptInput = { readonly text: string } | { readonly ids: readonly number[] };

export interface CompletionParams extends SharedRequestParams {
  readonly prompts: readonly PromptInput[];
  /** How each prompt is named in errors: `prompt` for a single one, `prompt[i]` in a list. */
  readonly promptLabels: readonly string[];
  /** 0 only with echo: the prompt comes back and nothing is generated. */
  readonly maxTokens: number;
  readonly echo: boolean;
  /** Top alternatives per token when `logprobs` is set; undefined when off. */
  readonly logprobs: number | undefined;
  readonly addSpecialTokens: boolean;
}

type Params = Record<string, unknown>;

const isTokenId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function tokenIds(value: readonly unknown[], label: string): number[] {
  if (value.length === 0) throw invalidParam(label, 'must not be an empty list of token ids');
  const bad = value.find((id) => !isTokenId(id));
  if (bad !== undefined) throw invalidParam(label, `must hold token ids (integers ≥ 0), got ${show(bad)}`);
  return value as number[];
}

/** string | string[] | number[] | number[][], as OpenAI and vLLM take it. */
function prompts(params: Params): { prompts: PromptInput[]; labels: string[] } {
  const prompt = params['prompt'];
  if (prompt === undefined || prompt === null) throw invalidParam('prompt', 'is required');
  if (typeof prompt === 'string') {
    if (prompt === '') throw invalidParam('prompt', 'must not be empty');
    return { prompts: [{ text: prompt }], labels: ['prompt'] };
  }
  if (!Array.isArray(prompt)) throw invalidParam('prompt', 'must be a string, a list of strings, a list of token ids or a list of token-id lists');
  if (prompt.length === 0) throw invalidParam('prompt', 'must not be an empty list');
  if (prompt.every((item) => typeof item === 'number')) return { prompts: [{ ids: tokenIds(prompt, 'prompt') }], labels: ['prompt'] };
  const labels = prompt.map((_, i) => `prompt[${i}]`);
  if (prompt.every(isString)) return { prompts: prompt.map((text) => ({ text })), labels };
  if (prompt.every(Array.isArray)) return { prompts: prompt.map((ids: unknown[], i) => ({ ids: tokenIds(ids, labels[i]!) })), labels };
  throw invalidParam('prompt', 'must be a string, a list of strings, a list of token ids or a list of token-id lists, not a mix');
}

export function parseCompletionParams(params: Params): CompletionParams {
  checkCompletionFields(params);
  // vLLM refuses it too: these models continue a prompt, they do not fill in the middle.
  if (params['suffix'] !== undefined && params['suffix'] !== null) throw invalidParam('suffix', 'is not supported: the prompt is continued, never infilled');
  const { prompts: inputs, labels } = prompts(params);
  const { stream, includeUsage, includeProgress } = streamFields(params);
  const n = positiveInteger(params, 'n') ?? 1;
  if (n > maxChoices) throw invalidParam('n', `must be at most ${maxChoices}, got ${n}`);
  // Drawing best_of candidates and returning the n most likely is not implemented; best_of = n is plain sampling.
  const bestOf = positiveInteger(params, 'best_of');
  if (bestOf !== undefined && bestOf !== n) throw invalidParam('best_of', `must equal n (${n}) here: ranking extra candidates is not supported, got ${bestOf}`);
  if (inputs.length * n > maxCompletionSequences) {
    throw invalidParam('prompt', `asks for ${inputs.length} prompts × n = ${n} sequences; at most ${maxCompletionSequences} per request`);
  }
  const echo = optional(params, 'echo', isBoolean, 'a boolean') ?? false;
  const maxTokens = optional(params, 'max_tokens', isInteger, 'an integer') ?? defaultMaxTokens;
  if (maxTokens < 0 || (maxTokens === 0 && !echo)) throw invalidParam('max_tokens', `must be at least 1 (0 only with echo), got ${maxTokens}`);
  const logprobs = optional(params, 'logprobs', isInteger, 'an integer');
  if (logprobs !== undefined && (logprobs < 0 || logprobs > maxTopLogprobs)) throw invalidParam('logprobs', `must be in [0, ${maxTopLogprobs}], got ${logprobs}`);
  if (echo && logprobs !== undefined) {
    // vLLM fills the echoed positions from prompt logprobs; this engine samples only the last
    // prompt position, and null entries would silently break scoring code (lm-eval's loglikelihood).
    throw invalidParam('echo', 'cannot be combined with logprobs: the logprobs of prompt tokens are not computed by this engine');
  }
  const sampling = { ...samplingFields(params), ...defined('logprobs', logprobs) };
  checkMinTokens(sampling.minTokens, maxTokens, 'max_tokens');
  return {
    prompts: inputs,
    promptLabels: labels,
    stream,
    includeUsage,
    includeProgress,
    n,
    maxTokens,
    echo,
    logprobs,
    sampling,
    stop: stopStrings(params),
    stopOptions: { minTokens: sampling.minTokens ?? 0 },
    badWords: badWords(params),
    addSpecialTokens: optional(params, 'add_special_tokens', isBoolean, 'a boolean') ?? true,
    model: optional(params, 'model', isString, 'a string'),
  };
}
