/**
 * Checks a chat completion request field by field and turns it into what the chat service needs:
 * sampling parameters (engine names), stop strings and how they apply, n, streaming options, tool
 * choice, response format and prompt options. Which fields are honoured, ignored or refused is
 * data in request-fields.ts; every bad or refused field is an `invalid_argument` error whose
 * message starts with the field (`temperature: must be …`), as vLLM's server answers with a 400.
 */
import type { SamplingParams } from '../engine/sampling-params.ts';
import { maxTopLogprobs } from '../gpu/kernels/sampler-row.ts';
import { parsePromptOptions, type PromptOptions } from './chat-prompt.ts';
import { validateTools } from './chat-messages.ts';
import { defined, invalidParam, isBoolean, isInteger, isNumber, isRecord, isString, optional, positiveInteger, show } from './param-checks.ts';
import { checkJsonLimits, checkSchemaLimits } from './schema-limits.ts';
import { chatFieldPolicy, checkRequestFields } from './request-fields.ts';
import type { StopOptions } from '../text/stop-strings.ts';
import { withStructuredOutputs } from './structured-outputs.ts';
import { toolChoice, type ToolChoice } from './tool-choice.ts';

/** Most choices one request may ask for; each is a sequence in the batch. */
export const maxChoices = 64;

export type { ToolChoice } from './tool-choice.ts';

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | { readonly type: 'json_schema'; readonly name: string; readonly schema: Record<string, unknown> };

/** What chat and completions requests both carry, parsed alike (samplingFields, streamFields, …). */
export interface SharedRequestParams {
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** stream_options.include_progress: prefill_progress chunks before the first token. */
  readonly includeProgress: boolean;
  readonly n: number;
  readonly sampling: Omit<SamplingParams, 'maxTokens'>;
  readonly stop: readonly string[];
  /** How stop strings apply (min_tokens holds them off as it holds off EOS). */
  readonly stopOptions: StopOptions;
  /** vLLM's bad_words, tokenized by the service. */
  readonly badWords: readonly string[];
  readonly model: string | undefined;
}

export interface ChatParams extends SharedRequestParams {
  /** Undefined: whatever fits in the context after the prompt. */
  readonly maxTokens: number | undefined;
  /** Top alternatives per token when `logprobs` is on; undefined when off. */
  readonly topLogprobs: number | undefined;
  readonly toolChoice: ToolChoice;
  readonly parallelToolCalls: boolean;
  readonly responseFormat: ResponseFormat;
  readonly chatTemplateKwargs: Record<string, unknown>;
  /** The field maxTokens came from, for errors. */
  readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** vLLM's include_reasoning: false drops reasoning_content from the reply. */
  readonly includeReasoning: boolean;
  /** vLLM's stream_options.continuous_usage_stats: usage on every chunk. */
  readonly continuousUsage: boolean;
  /** vLLM's request_id: the reply's id is `chatcmpl-<request_id>`. */
  readonly requestId: string | undefined;
  readonly prompt: PromptOptions;
}

type Params = Record<string, unknown>;

function numberIn(params: Params, field: string, low: number, high: number): number | undefined {
  const value = optional(params, field, isNumber, 'a number');
  if (value !== undefined && (value < low || value > high)) throw invalidParam(field, `must be in [${low}, ${high}], got ${value}`);
  return value;
}

export function stopStrings(params: Params): string[] {
  const stop = params['stop'];
  if (stop === undefined || stop === null) return [];
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || !list.every(isString)) throw invalidParam('stop', 'must be a string or an array of strings');
  if (list.some((s) => s.length === 0)) throw invalidParam('stop', 'must not contain empty strings');
  return list;
}

function logitBias(params: Params): Record<number, number> | undefined {
  const bias = optional(params, 'logit_bias', isRecord, 'an object mapping token ids to biases');
  if (bias === undefined) return undefined;
  const out: Record<number, number> = {};
  for (const [key, value] of Object.entries(bias)) {
    if (!/^\d+$/.test(key)) throw invalidParam('logit_bias', `keys must be token ids, got ${show(key)}`);
    if (!isNumber(value)) throw invalidParam('logit_bias', `values must be numbers, got ${show(value)}`);
    out[Number(key)] = value;
  }
  return out;
}

/** OpenAI's json_schema response format fields (vLLM's are the same). */
const jsonSchemaFields = new Set(['name', 'description', 'schema', 'strict']);

function responseFormat(params: Params): ResponseFormat {
  const format = params['response_format'];
  if (format === undefined || format === null) return { type: 'text' };
  if (!isRecord(format)) throw invalidParam('response_format', `must be an object, got ${show(format)}`);
  const type = format['type'];
  if (type === 'structural_tag') throw invalidParam('response_format', 'vLLM\'s structural_tag format is not supported');
  if (type !== 'text' && type !== 'json_object' && type !== 'json_schema') {
    throw invalidParam('response_format.type', `must be "text", "json_object" or "json_schema", got ${show(type)}`);
  }
  const extra = Object.keys(format).find((key) => key !== 'type' && !(type === 'json_schema' && key === 'json_schema'));
  if (extra !== undefined) throw invalidParam(`response_format.${extra}`, `is not a field of a ${type} response format`);
  if (type !== 'json_schema') return { type };
  const field = 'response_format.json_schema';
  const spec = format['json_schema'];
  if (!isRecord(spec)) throw invalidParam(field, `must be an object with a name and a schema, got ${show(spec)}`);
  const specExtra = Object.keys(spec).find((key) => !jsonSchemaFields.has(key));
  if (specExtra !== undefined) throw invalidParam(`${field}.${specExtra}`, 'is not a field of a json_schema response format');
  const name = spec['name'];
  if (!isString(name)) throw invalidParam(`${field}.name`, `must be a string, got ${show(name)}`);
  optional(spec, 'description', isString, 'a string', `${field}.description`);
  optional(spec, 'strict', isBoolean, 'a boolean', `${field}.strict`);
  const schema = spec['schema'] ?? {};
  if (!isRecord(schema)) throw invalidParam(`${field}.schema`, `must be a JSON schema object, got ${show(schema)}`);
  checkSchemaLimits(schema, `${field}.schema`);
  return { type: 'json_schema', name, schema };
}

/**
 * `stream` and `stream_options` (shared with the completions API). OpenAI's include_obfuscation
 * pads chunks against network side channels; there is no network here, so it is ignored.
 * include_progress is this engine's own (prefill-progress.ts).
 */
export function streamFields(params: Params): { stream: boolean; includeUsage: boolean; continuousUsage: boolean; includeProgress: boolean } {
  const stream = optional(params, 'stream', isBoolean, 'a boolean') ?? false;
  const streamOptions = optional(params, 'stream_options', isRecord, 'an object');
  if (streamOptions !== undefined && !stream) throw invalidParam('stream_options', 'is only allowed when stream is true');
  const known = ['include_usage', 'continuous_usage_stats', 'include_obfuscation', 'include_progress'];
  const extra = Object.keys(streamOptions ?? {}).find((key) => !known.includes(key));
  if (extra !== undefined) throw invalidParam(`stream_options.${extra}`, `is not a stream option (${known.join(', ')})`);
  const options = streamOptions ?? {};
  const flag = (field: string) => optional(options, field, isBoolean, 'a boolean', `stream_options.${field}`);
  const includeUsage = flag('include_usage') ?? false;
  flag('include_obfuscation');
  // vLLM: usage on every chunk, when usage is asked for at all (checked either way).
  const continuousUsage = (flag('continuous_usage_stats') ?? false) && includeUsage;
  return { stream, includeUsage, continuousUsage, includeProgress: flag('include_progress') ?? false };
}

/** The sampling fields chat and completions requests share, in engine names (logprobs differ). */
export function samplingFields(params: Params): Omit<SamplingParams, 'maxTokens' | 'logprobs'> {
  const topK = optional(params, 'top_k', isInteger, 'an integer');
  const stopTokenIds = optional(params, 'stop_token_ids', Array.isArray, 'an array of token ids');
  const bias = logitBias(params);
  return {
    ...defined('temperature', numberIn(params, 'temperature', 0, 2)),
    ...defined('topP', numberIn(params, 'top_p', 0, 1)),
    ...defined('topK', topK),
    ...defined('minP', numberIn(params, 'min_p', 0, 1)),
    ...defined('presencePenalty', numberIn(params, 'presence_penalty', -2, 2)),
    ...defined('frequencyPenalty', numberIn(params, 'frequency_penalty', -2, 2)),
    ...defined('repetitionPenalty', numberIn(params, 'repetition_penalty', 0, 100)),
    ...defined('logitBias', bias),
    ...defined('seed', optional(params, 'seed', isInteger, 'an integer')),
    ...defined('stopTokenIds', stopTokenIds as number[] | undefined),
    ...defined('ignoreEos', optional(params, 'ignore_eos', isBoolean, 'a boolean')),
    ...defined('minTokens', optional(params, 'min_tokens', isNonNegativeInteger, 'a non-negative integer')),
    ...defined('allowedTokenIds', optional(params, 'allowed_token_ids', Array.isArray, 'an array of token ids') as number[] | undefined),
  };
}

const isNonNegativeInteger = (value: unknown): value is number => isInteger(value) && value >= 0;

/** vLLM's check, made before anything runs: a minimum above the maximum cannot be met. */
export function checkMinTokens(minTokens: number | undefined, maxTokens: number | undefined, maxTokensField: string): void {
  if (minTokens !== undefined && maxTokens !== undefined && minTokens > maxTokens) {
    throw invalidParam('min_tokens', `must be at most ${maxTokensField} (${maxTokens}), got ${minTokens}`);
  }
}

/** vLLM's bad_words (shared with the completions API), tokenized by the service (bad-words.ts). */
export function badWords(params: Params): string[] {
  return optional(params, 'bad_words', isStringArray, 'an array of strings') ?? [];
}

export interface ChatParseOptions {
  /** Take a request's own `chat_template` (vLLM's --trust-request-chat-template); default false. */
  readonly trustRequestChatTemplate?: boolean;
}

/** Everything but messages, which chat-messages.ts checks. */
export function parseChatParams(params: Params, options: ChatParseOptions = {}): ChatParams {
  checkRequestFields(params, chatFieldPolicy);
  // As vLLM: a template is a program (a loop in one can take all the memory), so only a caller
  // the engine's owner trusts may send one.
  if (options.trustRequestChatTemplate !== true && params['chat_template'] !== undefined && params['chat_template'] !== null) {
    throw invalidParam('chat_template', 'a request\'s own chat template is refused unless the engine trusts them (createEngine({ trustRequestChatTemplate: true }), as vLLM\'s --trust-request-chat-template)');
  }
  const { stream, includeUsage, continuousUsage, includeProgress } = streamFields(params);
  const n = positiveInteger(params, 'n') ?? 1;
  if (n > maxChoices) throw invalidParam('n', `must be at most ${maxChoices}, got ${n}`);
  const logprobs = optional(params, 'logprobs', isBoolean, 'a boolean') ?? false;
  const top = optional(params, 'top_logprobs', isInteger, 'an integer');
  if (top !== undefined && (top < 0 || top > maxTopLogprobs)) throw invalidParam('top_logprobs', `must be in [0, ${maxTopLogprobs}], got ${top}`);
  if (top !== undefined && !logprobs) throw invalidParam('top_logprobs', 'needs logprobs: true');
  const sampling: Omit<SamplingParams, 'maxTokens'> = {
    ...samplingFields(params),
    ...defined('logprobs', logprobs ? top ?? 0 : undefined),
  };
  const tools = validateTools(params['tools']);
  // Both are checked: max_completion_tokens wins, but a bad max_tokens beside it is still a mistake.
  const maxCompletionTokens = positiveInteger(params, 'max_completion_tokens');
  const legacyMaxTokens = positiveInteger(params, 'max_tokens');
  const maxTokens = maxCompletionTokens ?? legacyMaxTokens;
  const maxTokensField = maxCompletionTokens === undefined ? 'max_tokens' : 'max_completion_tokens';
  checkMinTokens(sampling.minTokens, maxTokens, maxTokensField);
  const reasoningEffort = optional(params, 'reasoning_effort', isString, 'a string');
  return {
    stream,
    includeUsage,
    includeProgress,
    continuousUsage,
    n,
    maxTokens,
    maxTokensField,
    sampling,
    stop: stopStrings(params),
    topLogprobs: logprobs ? top ?? 0 : undefined,
    toolChoice: toolChoice(params['tool_choice'], tools),
    parallelToolCalls: optional(params, 'parallel_tool_calls', isBoolean, 'a boolean') ?? true,
    responseFormat: withStructuredOutputs(responseFormat(params), params),
    // vLLM hands reasoning_effort to the template; chat_template_kwargs still have the last word.
    chatTemplateKwargs: { ...defined('reasoning_effort', reasoningEffort), ...templateKwargs(params) },
    model: optional(params, 'model', isString, 'a string'),
    stopOptions: {
      includeStopString: optional(params, 'include_stop_str_in_output', isBoolean, 'a boolean') ?? false,
      minTokens: sampling.minTokens ?? 0,
    },
    badWords: badWords(params),
    includeReasoning: optional(params, 'include_reasoning', isBoolean, 'a boolean') ?? true,
    requestId: optional(params, 'request_id', isNonEmptyString, 'a non-empty string'),
    prompt: parsePromptOptions(params),
  };
}

/** chat_template_kwargs go to the template as variables; the template recurses into them. */
function templateKwargs(params: Params): Record<string, unknown> | undefined {
  const kwargs = optional(params, 'chat_template_kwargs', isRecord, 'an object');
  if (kwargs !== undefined) checkJsonLimits(kwargs, 'chat_template_kwargs');
  return kwargs;
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isNonEmptyString = (value: unknown): value is string => isString(value) && value !== '';

/** Engine parameter names → the request fields they came from, for errors the engine raises. */
export const engineFieldToParam: Readonly<Record<string, string>> = {
  maxTokens: 'max_tokens', temperature: 'temperature', topP: 'top_p', topK: 'top_k', minP: 'min_p',
  repetitionPenalty: 'repetition_penalty', presencePenalty: 'presence_penalty', frequencyPenalty: 'frequency_penalty',
  logitBias: 'logit_bias', seed: 'seed', stopTokenIds: 'stop_token_ids', ignoreEos: 'ignore_eos', logprobs: 'top_logprobs',
  minTokens: 'min_tokens', allowedTokenIds: 'allowed_token_ids', badWordIds: 'bad_words', promptIds: 'messages',
};
