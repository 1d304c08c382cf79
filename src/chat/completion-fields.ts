/**
 * Which completions request fields this engine takes, as data, in request-fields.ts's three groups:
 * every field of OpenAI's `CompletionCreateParams` is honoured or ignored (`user`); vLLM's
 * CompletionRequest extras are honoured, ignored when they are server-side concerns (the same ones
 * chat ignores), or refused unless left at the value that changes nothing. A field neither defines
 * is refused as unknown.
 */
import { invalidParam } from './param-checks.ts';
import { chatFieldPolicy, checkRequestFields, own, type FieldPolicy, type RefusedField } from './request-fields.ts';

const honoured = [
  // OpenAI's (best_of and suffix are checked by completion-params.ts: best_of = n only, suffix never).
  'model', 'prompt', 'best_of', 'echo', 'frequency_penalty', 'logit_bias', 'logprobs', 'max_tokens', 'n',
  'presence_penalty', 'seed', 'stop', 'stream', 'stream_options', 'suffix', 'temperature', 'top_p',
  // vLLM's
  'top_k', 'min_p', 'repetition_penalty', 'stop_token_ids', 'ignore_eos', 'add_special_tokens',
  // vLLM's, applied by the sampling and stop handling chat shares (chat-params.ts, bad-words.ts).
  'min_tokens', 'allowed_token_ids', 'bad_words',
];

/** vLLM's server-side fields, ignored as chat ignores them. */
const vllmIgnored = ['cache_salt', 'kv_transfer_params', 'vllm_xargs', 'length_penalty', 'spaces_between_special_tokens'];

/** vLLM's fields chat refuses for the same reasons (beam search, prompt logprobs, token-id output, …). */
const vllmRefusedAsInChat = [
  'use_beam_search', 'prompt_logprobs', 'skip_special_tokens', 'return_tokens_as_token_ids', 'return_token_ids', 'priority',
];

const isOff = (value: unknown): boolean => value === undefined || value === null;
const refusedUnless = (off: (value: unknown) => boolean, what: string): RefusedField => ({ off, reason: `${what} is not supported on completions` });

/** vLLM's completions extras not implemented here; each accepted at the value that changes nothing. */
const vllmRefused: Record<string, RefusedField> = {
  include_stop_str_in_output: refusedUnless((value) => isOff(value) || value === false, 'include_stop_str_in_output'),
  truncate_prompt_tokens: refusedUnless(isOff, 'truncating the prompt'),
  logprob_token_ids: refusedUnless(isOff, 'logprob_token_ids'),
  prompt_embeds: refusedUnless(isOff, 'a prompt given as embeddings'),
  response_format: refusedUnless((value) => isOff(value) || (typeof value === 'object' && (value as { type?: unknown }).type === 'text'), 'constrained output (use chat.completions)'),
  structured_outputs: refusedUnless(isOff, 'constrained output (use chat.completions)'),
  request_id: refusedUnless(isOff, 'request_id'),
};

function pick<T>(group: Readonly<Record<string, T>>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(names.flatMap((name) => (group[name] === undefined ? [] : [[name, group[name]]])));
}

export const completionFieldPolicy: FieldPolicy = {
  honoured: new Set(honoured),
  ignored: { user: 'string', ...pick(chatFieldPolicy.ignored, vllmIgnored) },
  refused: { ...pick(chatFieldPolicy.refused, vllmRefusedAsInChat), ...vllmRefused },
};

/** Throws `invalid_argument` naming the first field that is unknown or refused. */
export function checkCompletionFields(params: Readonly<Record<string, unknown>>): void {
  const { honoured: known, ignored, refused } = completionFieldPolicy;
  const unknown = Object.keys(params).find((field) => !known.has(field) && own(ignored, field) === undefined && own(refused, field) === undefined);
  if (unknown !== undefined) throw invalidParam(unknown, 'is not a field of OpenAI\'s or vLLM\'s completions request');
  checkRequestFields(params, completionFieldPolicy);
}
