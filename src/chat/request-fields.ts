/**
 * Which chat completion request fields this engine takes, as data. Every field of OpenAI's
 * `ChatCompletionCreateParams` and of vLLM's `ChatCompletionRequest` is in exactly one group:
 * honoured (chat-params.ts and chat-prompt.ts apply it), accepted and ignored (it has no effect
 * here), or refused when set to anything but its "off" value (it would change the output in a way
 * not implemented). Only a field neither defines is refused as unknown: almost always a typo.
 * The README lists the same groups.
 */
import { LlmError } from '../errors.ts';
import { showValue } from '../shown-value.ts';

type JsonType = 'boolean' | 'string' | 'number' | 'integer' | 'object' | 'array';

/** A field refused unless `off(value)`: the value that leaves the output as it is, e.g. false. */
export interface RefusedField {
  readonly off: (value: unknown, params: Readonly<Record<string, unknown>>) => boolean;
  readonly reason: string;
}

export interface FieldPolicy {
  readonly honoured: ReadonlySet<string>;
  readonly ignored: Readonly<Record<string, JsonType>>;
  readonly refused: Readonly<Record<string, RefusedField>>;
}

/** OpenAI's fields that chat-params.ts applies. */
const openAIHonoured = [
  'messages', 'model', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'presence_penalty',
  'frequency_penalty', 'logit_bias', 'seed', 'n', 'stop', 'logprobs', 'top_logprobs', 'response_format', 'tools',
  'tool_choice', 'parallel_tool_calls', 'stream', 'stream_options',
  // OpenAI's reasoning models read it; vLLM passes it to the chat template, and so does this engine.
  'reasoning_effort',
];

/** vLLM's extras that are cheap to honour: sampling, stop handling, prompt building, its structured outputs. */
const vllmHonoured = [
  'top_k', 'min_p', 'repetition_penalty', 'stop_token_ids', 'ignore_eos', 'min_tokens', 'include_stop_str_in_output',
  'allowed_token_ids', 'bad_words', 'chat_template', 'chat_template_kwargs', 'add_generation_prompt',
  'continue_final_message', 'echo', 'add_special_tokens', 'documents', 'truncate_prompt_tokens', 'include_reasoning',
  'request_id', 'structured_outputs', 'guided_json',
];

/**
 * Accepted, type-checked and ignored. OpenAI's server-side concerns: storage, metadata, billing
 * tier, abuse tracking and hints for OpenAI's prompt cache (the prefix cache here is automatic and
 * belongs to one page). `verbosity` is a hint to OpenAI's models with no counterpart in an open
 * model's template.
 */
const openAIIgnored: Record<string, JsonType> = {
  store: 'boolean', metadata: 'object', service_tier: 'string', user: 'string', safety_identifier: 'string',
  prompt_cache_key: 'string', prompt_cache_options: 'object', prompt_cache_retention: 'string',
  verbosity: 'string',
};

/**
 * vLLM's fields with no effect on this engine: multi-tenant and disaggregated serving (one page is
 * one tenant, there is one engine), extension hooks with no extension installed, multimodal
 * processing for a text model, a decoding backend choice (XGrammar is the only one), beam search's
 * length penalty (no beam search), and spacing between special tokens, which only slow
 * tokenizers with skip_special_tokens off apply.
 */
const vllmIgnored: Record<string, JsonType> = {
  cache_salt: 'string', kv_transfer_params: 'object', vllm_xargs: 'object', mm_processor_kwargs: 'object',
  guided_decoding_backend: 'string', length_penalty: 'number', spaces_between_special_tokens: 'boolean',
};

const isOff = (value: unknown): boolean => value === undefined || value === null;
const isFalse = (value: unknown): boolean => isOff(value) || value === false;
const isZero = (value: unknown): boolean => isOff(value) || value === 0;
const isEmpty = (value: unknown): boolean => isOff(value) || (Array.isArray(value) && value.length === 0);
const notSupported = (what: string) => `${what} is not supported`;

/** OpenAI's fields that would change the output in ways this text-only, local engine cannot. */
const openAIRefused: Record<string, RefusedField> = {
  audio: { off: isOff, reason: notSupported('audio output') + ': the model writes text only' },
  modalities: {
    off: (value) => isOff(value) || (Array.isArray(value) && value.every((modality) => modality === 'text')),
    reason: 'only ["text"] is supported: the model writes text only',
  },
  functions: { off: isEmpty, reason: notSupported('the deprecated functions API') + '; declare them as tools: [{ type: "function", function }]' },
  function_call: { off: isOff, reason: notSupported('the deprecated function_call') + '; use tool_choice with tools' },
  moderation: { off: isOff, reason: notSupported('moderation') + ': it needs OpenAI\'s moderation models' },
  web_search_options: { off: isOff, reason: notSupported('web search') + ': the engine has no search tool; declare one as a function tool' },
  prediction: { off: isOff, reason: 'Predicted Outputs are not supported' },
};

/** vLLM's fields that would change the output and are not implemented; each accepted at its default. */
const vllmRefused: Record<string, RefusedField> = {
  use_beam_search: { off: isFalse, reason: notSupported('beam search') },
  best_of: { off: (value, params) => isOff(value) || value === (params['n'] ?? 1), reason: notSupported('best_of other than n') },
  prompt_logprobs: { off: isOff, reason: notSupported('prompt logprobs') },
  skip_special_tokens: { off: (value) => isOff(value) || value === true, reason: 'only true is supported: special tokens are never written into the text' },
  return_tokens_as_token_ids: { off: isFalse, reason: notSupported('returning tokens as "token_id:<id>"') },
  return_token_ids: { off: isFalse, reason: notSupported('returning token ids') },
  logits_processors: { off: isEmpty, reason: notSupported('custom logits processors') },
  priority: { off: isZero, reason: notSupported('priority scheduling') + ' (requests run first come, first served)' },
  max_repetition_pattern_size: { off: isZero, reason: notSupported('stopping on repeated patterns') },
  min_repetition_pattern_size: { off: isZero, reason: notSupported('stopping on repeated patterns') },
  repetition_min_count: { off: isZero, reason: notSupported('stopping on repeated patterns') },
  guided_regex: { off: isOff, reason: notSupported('regex-constrained output') },
  guided_choice: { off: isOff, reason: notSupported('choice-constrained output') },
  guided_grammar: { off: isOff, reason: notSupported('grammar-constrained output') },
  guided_whitespace_pattern: { off: isOff, reason: notSupported('a custom JSON whitespace pattern') },
  structural_tag: { off: isOff, reason: notSupported('the structural_tag field') },
};

export const chatFieldPolicy: FieldPolicy = {
  honoured: new Set([...openAIHonoured, ...vllmHonoured]),
  ignored: { ...openAIIgnored, ...vllmIgnored },
  refused: { ...openAIRefused, ...vllmRefused },
};

const typeChecks: Record<JsonType, (value: unknown) => boolean> = {
  boolean: (value) => typeof value === 'boolean',
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  integer: (value) => Number.isSafeInteger(value),
  object: (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  array: Array.isArray,
};

/** `record[key]` only when the record itself has it: a field named `constructor` or `__proto__` is not a policy entry. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

const invalid = (field: string, message: string) => new LlmError('invalid_argument', `${field}: ${message}`, field);

/** Throws `invalid_argument` naming the first field the policy refuses; honoured fields are left to their parsers. */
export function checkRequestFields(params: Readonly<Record<string, unknown>>, policy: FieldPolicy): void {
  for (const [field, value] of Object.entries(params)) {
    if (policy.honoured.has(field)) continue;
    const type = own(policy.ignored, field);
    if (type !== undefined) {
      if (value !== null && !typeChecks[type](value)) throw invalid(field, `must be ${type === 'integer' || type === 'array' || type === 'object' ? 'an' : 'a'} ${type}, got ${showValue(value)}`);
      continue;
    }
    const refused = own(policy.refused, field);
    if (refused !== undefined) {
      if (!refused.off(value, params)) throw invalid(field, refused.reason);
      continue;
    }
    throw invalid(field, 'is not a field of OpenAI\'s or vLLM\'s chat completion request');
  }
}

// ---- Messages -------------------------------------------------------------------------------------

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

/**
 * Each role's fields (OpenAI's, plus vLLM's `reasoning_content` / `reasoning` on assistant
 * messages, which reach the template). `name` is on every role: OpenAI's cookbook puts it on tool
 * messages too. `developer` is OpenAI's newer name for system, and is rendered as system.
 */
export const messageFields: Readonly<Record<Role, ReadonlySet<string>>> = {
  system: new Set(['role', 'content', 'name']),
  developer: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  assistant: new Set(['role', 'content', 'name', 'tool_calls', 'refusal', 'reasoning_content', 'reasoning']),
  tool: new Set(['role', 'content', 'tool_call_id', 'name']),
};

/**
 * On any message, accepted and ignored, so a reply pushed back as history round-trips:
 * `annotations` (citations OpenAI's web search adds to a reply), `parsed` (the openai SDK's
 * parse() helper's copy of the content) and vLLM's `task` (a DeepSeek V4 template marker).
 */
export const ignoredMessageFields: ReadonlySet<string> = new Set(['annotations', 'parsed', 'task']);

/** On any message, refused unless off; a reply from this engine carries them as null or not at all. */
export const refusedMessageFields: Readonly<Record<string, RefusedField>> = {
  audio: { off: isOff, reason: notSupported('a reference to an earlier audio reply') + ': the model writes text only' },
  function_call: { off: isOff, reason: notSupported('a deprecated function_call') + '; write the call as tool_calls' },
  tools: { off: isEmpty, reason: notSupported('tools on a message') + '; pass them in the request\'s tools' },
};

/** Content part types OpenAI and vLLM define for media, refused by name: the model reads text only. */
export const mediaPartTypes: ReadonlySet<string> = new Set([
  'image_url', 'input_audio', 'file', 'audio_url', 'video_url', 'image_embeds', 'audio_embeds', 'video_embeds', 'prompt_embeds', 'image_pil',
]);

/** Fields of a text part with no effect here: OpenAI's explicit prompt-cache breakpoint. */
export const ignoredPartFields: ReadonlySet<string> = new Set(['prompt_cache_breakpoint']);

/** A function call's fields beside name and arguments: the openai SDK's parse() helper adds `parsed_arguments`. */
export const ignoredFunctionFields: ReadonlySet<string> = new Set(['parsed_arguments']);
