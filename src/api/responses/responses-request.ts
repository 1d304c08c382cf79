/**
 * A Responses request's fields, as data and as the chat completion request they become. Every
 * field of OpenAI's `ResponseCreateParams` and vLLM's `ResponsesRequest` is honoured (mapped onto
 * a chat field), accepted and ignored (no effect here), or refused by name unless off (built-in
 * tools, background runs, server-side conversations and prompts: none exist in a page). A field
 * neither defines is refused as unknown.
 */
import type { ChatCompletionCreateParams } from '../../chat/chat-types.ts';
import { invalidParam, isRecord, isString, show } from '../../chat/param-checks.ts';
import { checkRequestFields, type FieldPolicy, type RefusedField } from '../../chat/request-fields.ts';

type Params = Record<string, unknown>;

/** Fields the service reads itself (conversation state, streaming) rather than passing on. */
const stateFields = ['input', 'instructions', 'previous_response_id', 'store', 'stream', 'stream_options', 'include', 'request_id', 'metadata'];

/** OpenAI fields mapped onto chat fields by `chatRequest`. */
const mappedFields = ['model', 'max_output_tokens', 'temperature', 'top_p', 'tools', 'tool_choice', 'parallel_tool_calls', 'text', 'reasoning', 'truncation', 'top_logprobs', 'user'];

/** vLLM's extras passed to chat completions unchanged (its ResponsesRequest's, and the sampling fields chat honours). */
const passedThrough = [
  'top_k', 'min_p', 'repetition_penalty', 'seed', 'stop', 'stop_token_ids', 'ignore_eos', 'min_tokens', 'logit_bias',
  'include_stop_str_in_output', 'skip_special_tokens', 'allowed_token_ids', 'bad_words', 'chat_template_kwargs',
  'structured_outputs', 'priority', 'cache_salt', 'mm_processor_kwargs', 'vllm_xargs',
];

const isOff = (value: unknown) => value === undefined || value === null;
const isFalse = (value: unknown) => isOff(value) || value === false;
const isEmpty = (value: unknown) => isOff(value) || (Array.isArray(value) && value.length === 0);
const refusedUnless = (off: RefusedField['off'], reason: string): RefusedField => ({ off, reason });

/** OpenAI's and vLLM's fields that would need something a page does not have. */
const refused: Record<string, RefusedField> = {
  background: refusedUnless(isFalse, 'background responses are not supported: a response runs while its caller waits (or streams)'),
  conversation: refusedUnless(isOff, 'the Conversations API is not supported: chain responses with previous_response_id'),
  prompt: refusedUnless(isOff, 'prompt templates are not supported: they are stored on OpenAI\'s platform'),
  context_management: refusedUnless(isEmpty, 'server-side context compaction is not supported'),
  moderation: refusedUnless(isOff, 'moderation is not supported: it needs OpenAI\'s moderation models'),
  max_tool_calls: refusedUnless(isOff, 'max_tool_calls is not supported: it limits built-in tool calls, and there are none'),
  enable_response_messages: refusedUnless(isFalse, 'enable_response_messages is not supported'),
  previous_input_messages: refusedUnless(isEmpty, 'previous_input_messages (vLLM, Harmony models only) is not supported; use previous_response_id'),
  previous_response: refusedUnless(isOff, 'previous_response (vLLM, Harmony models only) is not supported; use previous_response_id'),
};

/** Accepted and ignored: OpenAI's billing tier, abuse tracking and prompt-cache hints (the prefix cache here is automatic). */
const ignored = {
  service_tier: 'string', safety_identifier: 'string', prompt_cache_key: 'string', prompt_cache_retention: 'string',
  prompt_cache_options: 'object',
} as const;

export const responsesFieldPolicy: FieldPolicy = {
  honoured: new Set([...stateFields, ...mappedFields, ...passedThrough]),
  ignored,
  refused,
};

/** Throws `invalid_argument` naming the first refused or unknown field. */
export function checkResponsesFields(params: Params): void {
  if (!isRecord(params)) throw invalidParam('body', `must be a Responses request object, got ${show(params)}`);
  const unknown = Object.keys(params).find((field) => !responsesFieldPolicy.honoured.has(field) && !Object.hasOwn(ignored, field) && !Object.hasOwn(refused, field));
  if (unknown !== undefined) throw invalidParam(unknown, 'is not a field of OpenAI\'s or vLLM\'s Responses request');
  checkRequestFields(params, responsesFieldPolicy);
  checkInclude(params['include']);
}

/** `include`: only the output logprobs exist here; the rest name built-in tools or encrypted reasoning. */
function checkInclude(include: unknown): void {
  if (isOff(include)) return;
  if (!Array.isArray(include)) throw invalidParam('include', `must be an array, got ${show(include)}`);
  include.forEach((entry: unknown, index) => {
    if (entry === 'message.output_text.logprobs') return;
    const why = entry === 'reasoning.encrypted_content' ? 'reasoning is returned in clear text, never encrypted' : 'it names an output this engine does not have';
    throw invalidParam(`include[${index}]`, `${show(entry)} is not supported: ${why}`);
  });
}

export const wantsLogprobs = (params: Params): boolean =>
  Array.isArray(params['include']) && params['include'].includes('message.output_text.logprobs');

/** The chat completion request a Responses request stands for, given its conversation as messages. */
export function chatRequest(params: Params, messages: unknown[], continueFinal: boolean): ChatCompletionCreateParams & Params {
  const chat: Params = { messages };
  if (params['model'] !== undefined) chat['model'] = params['model'];
  copy(params, chat, 'max_output_tokens', 'max_completion_tokens');
  copy(params, chat, 'temperature');
  copy(params, chat, 'top_p');
  copy(params, chat, 'parallel_tool_calls');
  copy(params, chat, 'user');
  for (const field of passedThrough) copy(params, chat, field);
  const tools = chatTools(params['tools']);
  if (tools !== undefined) chat['tools'] = tools;
  const choice = chatToolChoice(params['tool_choice']);
  if (choice !== undefined) chat['tool_choice'] = choice;
  const format = responseFormat(params['text']);
  if (format !== undefined) {
    if (!isOff(params['structured_outputs'])) throw invalidParam('text.format', 'cannot be combined with structured_outputs; set one of them');
    chat['response_format'] = format;
  }
  const reasoning = params['reasoning'];
  if (!isOff(reasoning)) {
    if (!isRecord(reasoning)) throw invalidParam('reasoning', `must be an object, got ${show(reasoning)}`);
    // The effort reaches the chat template, as vLLM hands it; `summary` has no counterpart: reasoning comes back whole.
    if (!isOff(reasoning['effort'])) chat['reasoning_effort'] = reasoning['effort'];
  }
  const truncation = params['truncation'];
  if (truncation === 'auto') chat['truncate_prompt_tokens'] = -1; // vLLM's reading: keep what fits the context
  else if (!isOff(truncation) && truncation !== 'disabled') throw invalidParam('truncation', `must be "auto" or "disabled", got ${show(truncation)}`);
  if (wantsLogprobs(params)) {
    chat['logprobs'] = true;
    copy(params, chat, 'top_logprobs');
  }
  if (continueFinal) Object.assign(chat, { continue_final_message: true, add_generation_prompt: false });
  return chat as ChatCompletionCreateParams & Params;
}

function copy(from: Params, to: Params, field: string, as = field): void {
  if (from[field] !== undefined && from[field] !== null) to[as] = from[field];
}

/** Responses' flat function tools as chat tools; built-in tool types are refused by name. */
function chatTools(tools: unknown): unknown[] | undefined {
  if (isOff(tools)) return undefined;
  if (!Array.isArray(tools)) throw invalidParam('tools', `must be an array of tools, got ${show(tools)}`);
  if (tools.length === 0) return undefined; // the SDK sends [] for "no tools"
  return tools.map((tool: unknown, index) => {
    const path = `tools[${index}]`;
    if (!isRecord(tool)) throw invalidParam(path, `must be a tool object, got ${show(tool)}`);
    if (tool['type'] !== 'function') {
      throw invalidParam(`${path}.type`, `${show(tool['type'])} tools are not supported: the engine has no built-in tools; declare a function tool ({type: "function", name, parameters})`);
    }
    const extra = Object.keys(tool).find((key) => !['type', 'name', 'description', 'parameters', 'strict', 'defer_loading', 'allowed_callers'].includes(key));
    if (extra !== undefined) throw invalidParam(`${path}.${extra}`, 'is not a field of a function tool');
    const fn: Params = { name: tool['name'] };
    for (const field of ['description', 'parameters', 'strict']) if (!isOff(tool[field])) fn[field] = tool[field];
    return { type: 'function', function: fn };
  });
}

/** Responses' tool_choice (flat `{type: "function", name}`) as chat's. */
function chatToolChoice(choice: unknown): unknown {
  if (isOff(choice) || isString(choice)) return choice ?? undefined;
  if (!isRecord(choice)) throw invalidParam('tool_choice', `must be "none", "auto", "required" or {"type": "function", "name": ...}, got ${show(choice)}`);
  if (choice['type'] === 'function') {
    if (!isString(choice['name'])) throw invalidParam('tool_choice.name', `must be a string, got ${show(choice['name'])}`);
    return { type: 'function', function: { name: choice['name'] } };
  }
  if (choice['type'] === 'allowed_tools') {
    const tools = Array.isArray(choice['tools']) ? choice['tools'] : [];
    const named = tools.map((tool: unknown) => ({ type: 'function', function: { name: isRecord(tool) ? tool['name'] : undefined } }));
    return { type: 'allowed_tools', allowed_tools: { mode: choice['mode'], tools: named } };
  }
  throw invalidParam('tool_choice.type', `${show(choice['type'])} is not supported: only function tools exist here`);
}

/** `text.format` as chat's response_format; "text" (the default) is none. */
function responseFormat(text: unknown): unknown {
  if (isOff(text)) return undefined;
  if (!isRecord(text)) throw invalidParam('text', `must be an object, got ${show(text)}`);
  const format = text['format'];
  if (isOff(format)) return undefined;
  if (!isRecord(format)) throw invalidParam('text.format', `must be an object, got ${show(format)}`);
  switch (format['type']) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const { type: _type, ...schema } = format;
      return { type: 'json_schema', json_schema: schema };
    }
    default:
      throw invalidParam('text.format.type', `must be "text", "json_object" or "json_schema", got ${show(format['type'])}`);
  }
}
