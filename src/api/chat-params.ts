/**
 * Checks a chat completion request field by field and turns it into what the chat service needs:
 * sampling parameters (engine names), stop strings, n, streaming options, tool choice and response
 * format. Every bad or unknown field is an `invalid_argument` error naming the OpenAI field, as
 * vLLM's server answers with a 400; nothing is silently ignored.
 */
import { LlmError } from '../errors.ts';
import type { SamplingParams } from '../engine/sampling-params.ts';
import { maxTopLogprobs } from '../gpu/kernels/sampler-row.ts';

/** OpenAI and vLLM fields this engine honours; anything else is refused. */
const knownFields = new Set([
  'messages', 'model', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_k', 'min_p',
  'presence_penalty', 'frequency_penalty', 'repetition_penalty', 'logit_bias', 'seed', 'n', 'stop',
  'stop_token_ids', 'ignore_eos', 'logprobs', 'top_logprobs', 'response_format', 'tools', 'tool_choice',
  'parallel_tool_calls', 'stream', 'stream_options', 'chat_template_kwargs', 'user',
]);

/** Most choices one request may ask for; each is a sequence in the batch. */
export const maxChoices = 64;

export type ToolChoice = { readonly mode: 'none' | 'auto' | 'required' } | { readonly mode: 'named'; readonly name: string };

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | { readonly type: 'json_schema'; readonly name: string; readonly schema: Record<string, unknown> };

export interface ChatParams {
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly n: number;
  /** Undefined: whatever fits in the context after the prompt. */
  readonly maxTokens: number | undefined;
  readonly sampling: Omit<SamplingParams, 'maxTokens'>;
  readonly stop: readonly string[];
  /** Top alternatives per token when `logprobs` is on; undefined when off. */
  readonly topLogprobs: number | undefined;
  readonly toolChoice: ToolChoice;
  readonly parallelToolCalls: boolean;
  readonly responseFormat: ResponseFormat;
  readonly chatTemplateKwargs: Record<string, unknown>;
  readonly model: string | undefined;
}

export function invalidParam(param: string, message: string): LlmError {
  return new LlmError('invalid_argument', `${param} ${message}`, param);
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

type Params = Record<string, unknown>;

export function optional<T>(params: Params, field: string, check: (value: unknown) => value is T, expected: string): T | undefined {
  const value = params[field];
  if (value === undefined || value === null) return undefined;
  if (!check(value)) throw invalidParam(field, `must be ${expected}, got ${JSON.stringify(value)}`);
  return value;
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
export const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);
export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
export const isString = (value: unknown): value is string => typeof value === 'string';

function numberIn(params: Params, field: string, low: number, high: number): number | undefined {
  const value = optional(params, field, isNumber, 'a number');
  if (value !== undefined && (value < low || value > high)) throw invalidParam(field, `must be in [${low}, ${high}], got ${value}`);
  return value;
}

export function positiveInteger(params: Params, field: string): number | undefined {
  const value = optional(params, field, isInteger, 'an integer');
  if (value !== undefined && value < 1) throw invalidParam(field, `must be at least 1, got ${value}`);
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
    if (!/^\d+$/.test(key)) throw invalidParam('logit_bias', `keys must be token ids, got ${JSON.stringify(key)}`);
    if (!isNumber(value)) throw invalidParam('logit_bias', `values must be numbers, got ${JSON.stringify(value)}`);
    out[Number(key)] = value;
  }
  return out;
}

function toolChoice(params: Params, hasTools: boolean): ToolChoice {
  const choice = params['tool_choice'];
  if (choice === undefined || choice === null) return { mode: hasTools ? 'auto' : 'none' };
  if (choice === 'none' || choice === 'auto' || choice === 'required') {
    if (choice !== 'none' && !hasTools) throw invalidParam('tool_choice', `"${choice}" needs tools`);
    return { mode: choice };
  }
  if (isRecord(choice) && choice['type'] === 'function' && isRecord(choice['function']) && isString(choice['function']['name'])) {
    const name = choice['function']['name'];
    const tools = params['tools'] as { function: { name: string } }[] | undefined;
    if (!tools?.some((tool) => tool.function.name === name)) throw invalidParam('tool_choice', `names the function "${name}", which is not in tools`);
    return { mode: 'named', name };
  }
  throw invalidParam('tool_choice', 'must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}');
}

function responseFormat(params: Params): ResponseFormat {
  const format = params['response_format'];
  if (format === undefined || format === null) return { type: 'text' };
  if (!isRecord(format)) throw invalidParam('response_format', 'must be an object');
  if (format['type'] === 'text' || format['type'] === 'json_object') return { type: format['type'] };
  if (format['type'] !== 'json_schema') throw invalidParam('response_format', `type must be "text", "json_object" or "json_schema", got ${JSON.stringify(format['type'])}`);
  const spec = format['json_schema'];
  if (!isRecord(spec) || !isString(spec['name'])) throw invalidParam('response_format', 'json_schema must be an object with a name');
  const schema = spec['schema'] ?? {};
  if (!isRecord(schema)) throw invalidParam('response_format', 'json_schema.schema must be a JSON schema object');
  return { type: 'json_schema', name: spec['name'], schema };
}

/** `stream` and `stream_options` (shared with the completions API). */
export function streamFields(params: Params): { stream: boolean; includeUsage: boolean } {
  const stream = optional(params, 'stream', isBoolean, 'a boolean') ?? false;
  const streamOptions = optional(params, 'stream_options', isRecord, 'an object');
  if (streamOptions !== undefined && !stream) throw invalidParam('stream_options', 'is only allowed when stream is true');
  const extra = Object.keys(streamOptions ?? {}).find((key) => key !== 'include_usage');
  if (extra !== undefined) throw invalidParam(`stream_options.${extra}`, 'is not supported');
  const includeUsage = optional(streamOptions ?? {}, 'include_usage', isBoolean, 'a boolean') ?? false;
  return { stream, includeUsage };
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
  };
}

/** Everything but messages and tools, which chat-messages.ts checks. */
export function parseChatParams(params: Params): ChatParams {
  const unknown = Object.keys(params).find((key) => !knownFields.has(key));
  if (unknown !== undefined) throw invalidParam(unknown, 'is not a supported request field');
  const { stream, includeUsage } = streamFields(params);
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
  const tools = params['tools'];
  return {
    stream,
    includeUsage,
    n,
    maxTokens: positiveInteger(params, 'max_completion_tokens') ?? positiveInteger(params, 'max_tokens'),
    sampling,
    stop: stopStrings(params),
    topLogprobs: logprobs ? top ?? 0 : undefined,
    toolChoice: toolChoice(params, Array.isArray(tools) && tools.length > 0),
    parallelToolCalls: optional(params, 'parallel_tool_calls', isBoolean, 'a boolean') ?? true,
    responseFormat: responseFormat(params),
    chatTemplateKwargs: optional(params, 'chat_template_kwargs', isRecord, 'an object') ?? {},
    model: optional(params, 'model', isString, 'a string'),
  };
}

/** `{ [key]: value }` when value is set, so optional fields stay absent (exactOptionalPropertyTypes). */
export function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Engine parameter names → the request fields they came from, for errors the engine raises. */
export const engineFieldToParam: Readonly<Record<string, string>> = {
  maxTokens: 'max_tokens', temperature: 'temperature', topP: 'top_p', topK: 'top_k', minP: 'min_p',
  repetitionPenalty: 'repetition_penalty', presencePenalty: 'presence_penalty', frequencyPenalty: 'frequency_penalty',
  logitBias: 'logit_bias', seed: 'seed', stopTokenIds: 'stop_token_ids', ignoreEos: 'ignore_eos', logprobs: 'top_logprobs',
  promptIds: 'messages',
};
