/**
 * The chat request field policy (request-fields.ts through parseChatParams): every field of
 * OpenAI's ChatCompletionCreateParams and of vLLM's ChatCompletionRequest is classified; the
 * server-side ones are accepted and ignored; those that would change the output unhonoured are
 * refused when set and accepted at their "off" value; unknown fields are refused; every error
 * message starts with the field it is about.
 */
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { parseChatParams } from '../../src/chat/chat-params.ts';
import { chatFieldPolicy } from '../../src/chat/request-fields.ts';
import { isLlmError } from '../../src/errors.ts';

const messages = [{ role: 'user', content: 'Hi' }];

/** The error parseChatParams throws for `extra`, checked to be invalid_argument naming its field first. */
function refusal(extra: Record<string, unknown>): { message: string; subject: string | undefined } {
  try {
    parseChatParams({ messages, ...extra });
  } catch (error) {
    expect(isLlmError(error, 'invalid_argument'), String(error)).toBe(true);
    const { message, subject } = error as { message: string; subject: string | undefined };
    expect(message.startsWith(`${subject}: `), message).toBe(true);
    return { message, subject };
  }
  throw new Error(`expected ${JSON.stringify(extra)} to be refused`);
}

const classified = (field: string) =>
  chatFieldPolicy.honoured.has(field) || Object.hasOwn(chatFieldPolicy.ignored, field) || Object.hasOwn(chatFieldPolicy.refused, field);

// Every OpenAI field, with a realistic value: the type makes this list complete for the installed
// openai package (a field added there fails type-checking here until it is classified).
const openAIRequest = {
  messages, model: 'gpt-4o', audio: null, frequency_penalty: 0.5, function_call: undefined, functions: undefined,
  logit_bias: { 5: 1 }, logprobs: true, max_completion_tokens: 20, max_tokens: 10, metadata: { team: 'a' },
  modalities: ['text'], moderation: null, n: 2, parallel_tool_calls: true,
  prediction: null, presence_penalty: 0.1, prompt_cache_key: 'k',
  prompt_cache_options: { mode: 'implicit' }, prompt_cache_retention: '24h', reasoning_effort: 'low',
  response_format: { type: 'text' }, safety_identifier: 'user-1', seed: 3, service_tier: 'auto', stop: ['x'], store: true,
  stream: true, stream_options: { include_usage: true, include_obfuscation: false }, temperature: 0.7, tool_choice: 'none',
  tools: undefined, top_logprobs: 2, top_p: 0.9, user: 'user-1', verbosity: 'low', web_search_options: undefined,
} satisfies Record<keyof ChatCompletionCreateParamsBase, unknown>;

// vLLM's ChatCompletionRequest fields beyond OpenAI's (vllm/entrypoints/openai/chat_completion/protocol.py),
// plus those its older releases had (best_of, guided_*, structural_tag).
const vllmFields = [
  'include_reasoning', 'use_beam_search', 'top_k', 'min_p', 'repetition_penalty', 'length_penalty', 'stop_token_ids',
  'include_stop_str_in_output', 'ignore_eos', 'min_tokens', 'skip_special_tokens', 'spaces_between_special_tokens',
  'truncate_prompt_tokens', 'prompt_logprobs', 'allowed_token_ids', 'bad_words', 'echo', 'add_generation_prompt',
  'continue_final_message', 'add_special_tokens', 'documents', 'chat_template', 'chat_template_kwargs',
  'mm_processor_kwargs', 'structured_outputs', 'priority', 'request_id', 'logits_processors',
  'return_tokens_as_token_ids', 'return_token_ids', 'cache_salt', 'kv_transfer_params', 'vllm_xargs',
  'max_repetition_pattern_size', 'min_repetition_pattern_size', 'repetition_min_count',
  'best_of', 'guided_json', 'guided_regex', 'guided_choice', 'guided_grammar', 'structural_tag',
  'guided_decoding_backend', 'guided_whitespace_pattern',
];

describe('the chat request field policy', () => {
  it('classifies every OpenAI and vLLM request field', () => {
    for (const field of [...Object.keys(openAIRequest), ...vllmFields]) expect(classified(field), field).toBe(true);
  });

  it('accepts a request that sets every OpenAI field to a value with no unhonoured effect', () => {
    const params = parseChatParams(openAIRequest);
    expect(params).toMatchObject({ n: 2, maxTokens: 20, maxTokensField: 'max_completion_tokens', stream: true, includeUsage: true, topLogprobs: 2 });
    // vLLM hands reasoning_effort to the template; chat_template_kwargs win over it.
    expect(params.chatTemplateKwargs).toEqual({ reasoning_effort: 'low' });
    expect(parseChatParams({ messages, reasoning_effort: 'high', chat_template_kwargs: { reasoning_effort: 'low', x: 1 } }).chatTemplateKwargs).toEqual({ reasoning_effort: 'low', x: 1 });
  });

  it('accepts and ignores the server-side fields of vLLM, and the refused ones at their defaults', () => {
    expect(() => parseChatParams({
      messages, cache_salt: 'salt', kv_transfer_params: {}, vllm_xargs: { a: 1 }, mm_processor_kwargs: {}, guided_decoding_backend: 'xgrammar',
      length_penalty: 1, spaces_between_special_tokens: true, use_beam_search: false, best_of: 1, prompt_logprobs: null, skip_special_tokens: true,
      return_tokens_as_token_ids: false, return_token_ids: false, logits_processors: [], priority: 0, max_repetition_pattern_size: 0,
      min_repetition_pattern_size: 0, repetition_min_count: 0, guided_regex: null, structural_tag: null,
      functions: [], function_call: null, moderation: null, web_search_options: null, audio: null, modalities: null, prediction: null,
    })).not.toThrow();
    expect(() => parseChatParams({ messages, n: 3, best_of: 3 })).not.toThrow();
  });

  it.each([
    [{ audio: { voice: 'alloy', format: 'mp3' } }, 'audio', /audio output is not supported/],
    [{ modalities: ['text', 'audio'] }, 'modalities', /only \["text"\]/],
    [{ functions: [{ name: 'f' }] }, 'functions', /not supported.*tools/],
    [{ function_call: 'auto' }, 'function_call', /not supported.*tool_choice/],
    [{ moderation: { model: 'omni-moderation-latest' } }, 'moderation', /not supported/],
    [{ web_search_options: {} }, 'web_search_options', /web search is not supported/],
    [{ prediction: { type: 'content', content: 'Hello' } }, 'prediction', /^prediction: Predicted Outputs are not supported$/],
    [{ use_beam_search: true }, 'use_beam_search', /beam search is not supported/],
    [{ best_of: 3 }, 'best_of', /not supported/],
    [{ stream: true, stream_options: { include_progress: 'yes' } }, 'stream_options.include_progress', /must be a boolean/],
    [{ stream: true, stream_options: { include_progress: 1 } }, 'stream_options.include_progress', /must be a boolean/],
    [{ stream_options: { include_progress: true } }, 'stream_options', /only allowed when stream is true/],
    [{ prompt_logprobs: 1 }, 'prompt_logprobs', /not supported/],
    [{ skip_special_tokens: false }, 'skip_special_tokens', /only true/],
    [{ return_tokens_as_token_ids: true }, 'return_tokens_as_token_ids', /not supported/],
    [{ return_token_ids: true }, 'return_token_ids', /not supported/],
    [{ logits_processors: ['my.Processor'] }, 'logits_processors', /not supported/],
    [{ priority: 1 }, 'priority', /priority scheduling is not supported/],
    [{ max_repetition_pattern_size: 4 }, 'max_repetition_pattern_size', /not supported/],
    [{ guided_regex: 'a+' }, 'guided_regex', /not supported/],
    [{ guided_choice: ['a', 'b'] }, 'guided_choice', /not supported/],
    [{ structured_outputs: { regex: 'a+' } }, 'structured_outputs.regex', /not supported/],
    [{ structured_outputs: { json: { type: 'object' }, choice: ['a'] } }, 'structured_outputs.choice', /only one kind/],
    [{ structured_outputs: { json: {} }, response_format: { type: 'json_object' } }, 'structured_outputs', /response_format/],
    [{ tool_choice: { type: 'custom', custom: { name: 'x' } } }, 'tool_choice', /custom tools are not supported/],
    [{ response_format: { type: 'structural_tag', structures: [], triggers: [] } }, 'response_format', /structural_tag format is not supported/],
    [{ tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'any', tools: [] } } }, 'tool_choice.allowed_tools', /"mode": "auto" \| "required"/],
    [{ tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'nope' } }] } }, tools: [{ type: 'function', function: { name: 'f' } }] },
      'tool_choice.allowed_tools.tools[0]', /must name a function in tools/],
  ])('refuses %j, naming %s and why', (extra, field, reason) => {
    const error = refusal(extra);
    expect(error.subject).toBe(field);
    expect(error.message).toMatch(reason);
  });

  it("takes OpenAI's allowed_tools tool_choice as the mode over a subset of the tools", () => {
    const tools = [{ type: 'function', function: { name: 'f' } }, { type: 'function', function: { name: 'g' } }];
    const allowed = { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'g' } }] } };
    expect(parseChatParams({ messages, tools, tool_choice: allowed }).toolChoice).toEqual({ mode: 'required', allowed: ['g'] });
  });

  it('refuses a field neither OpenAI nor vLLM defines, and ignored fields of the wrong type', () => {
    expect(refusal({ temprature: 0.5 })).toEqual({ subject: 'temprature', message: "temprature: is not a field of OpenAI's or vLLM's chat completion request" });
    expect(refusal({ store: 'yes' }).subject).toBe('store');
    expect(refusal({ metadata: [] }).subject).toBe('metadata');
    expect(refusal({ stream: true, stream_options: { include_usage: true, verbose: true } }).subject).toBe('stream_options.verbose');
    expect(refusal({ stream: true, stream_options: { include_prgress: true } }).message).toMatch(/include_progress/);
  });

  it('names the field at the start of every sampling error message', () => {
    expect(refusal({ temperature: 3 }).message).toBe('temperature: must be in [0, 2], got 3');
    expect(refusal({ top_p: 'high' }).message).toMatch(/^top_p: must be a number/);
    expect(refusal({ n: 0 }).message).toBe('n: must be at least 1, got 0');
    expect(refusal({ stop: [''] }).message).toMatch(/^stop: /);
    expect(refusal({ min_tokens: -1 }).message).toMatch(/^min_tokens: /);
    expect(refusal({ min_tokens: 5, max_tokens: 3 }).message).toBe('min_tokens: must be at most max_tokens (3), got 5');
    expect(refusal({ truncate_prompt_tokens: 0 }).message).toMatch(/^truncate_prompt_tokens: /);
    expect(refusal({ continue_final_message: true, add_generation_prompt: true }).subject).toBe('continue_final_message');
    expect(refusal({ guided_json: '{not json' }).message).toMatch(/^guided_json: is not valid JSON/);
  });

  it("refuses a request's own chat_template unless the engine trusts them, as vLLM does", () => {
    expect(refusal({ chat_template: '{{ messages }}' })).toMatchObject({ subject: 'chat_template', message: expect.stringMatching(/trustRequestChatTemplate/) });
    expect(parseChatParams({ messages, chat_template: '{{ messages }}' }, { trustRequestChatTemplate: true }).prompt.chatTemplate).toBe('{{ messages }}');
    expect(parseChatParams({ messages, chat_template: null }).prompt.chatTemplate).toBeUndefined();
  });

  it('checks max_tokens beside a max_completion_tokens that wins', () => {
    expect(refusal({ max_tokens: 'garbage', max_completion_tokens: 5 }).subject).toBe('max_tokens');
    expect(refusal({ max_tokens: 0, max_completion_tokens: 5 }).subject).toBe('max_tokens');
    expect(parseChatParams({ messages, max_tokens: 9, max_completion_tokens: 5 })).toMatchObject({ maxTokens: 5, maxTokensField: 'max_completion_tokens' });
  });

  it('checks tools before tool_choice looks a name up in them', () => {
    const named = { type: 'function', function: { name: 'f' } };
    expect(refusal({ tools: 'garbage', tool_choice: named }).subject).toBe('tools');
    expect(refusal({ tools: [null], tool_choice: named }).subject).toBe('tools[0]');
    expect(refusal({ tools: [{ type: 'function', function: null }], tool_choice: named }).subject).toBe('tools[0].function');
    expect(refusal({ tools: [{ type: 'function', function: { name: 'g' } }], tool_choice: { type: 'function', function: { name: 5 } } }).subject).toBe('tool_choice.function.name');
    expect(refusal({ tools: [{ type: 'function', function: { name: 'g' } }], tool_choice: { type: 'function', function: { name: 'f' } } }).subject).toBe('tool_choice');
  });

  it('names the nested response_format field at fault', () => {
    const format = (json_schema: unknown) => ({ response_format: { type: 'json_schema', json_schema } });
    expect(refusal({ response_format: { type: 'xml' } }).subject).toBe('response_format.type');
    expect(refusal({ response_format: { type: 'json_object', schema: {} } }).subject).toBe('response_format.schema');
    expect(refusal(format('x')).subject).toBe('response_format.json_schema');
    expect(refusal(format({ schema: {} })).subject).toBe('response_format.json_schema.name');
    expect(refusal(format({ name: 'n', schema: [] })).subject).toBe('response_format.json_schema.schema');
    expect(refusal(format({ name: 'n', strict: 'yes' })).subject).toBe('response_format.json_schema.strict');
    expect(refusal(format({ name: 'n', schemas: {} })).subject).toBe('response_format.json_schema.schemas');
  });

  it('refuses fields named like Object.prototype members as unknown, not with a TypeError', () => {
    for (const field of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(refusal(JSON.parse(`{"${field}": 1}`) as Record<string, unknown>).subject).toBe(field);
    }
  });

  it("maps vLLM's honoured extras to what the chat service needs", () => {
    const params = parseChatParams({
      messages, min_tokens: 4, include_stop_str_in_output: true, allowed_token_ids: [1, 2], bad_words: ['foo'],
      include_reasoning: false, request_id: 'abc', stream: true, stream_options: { include_usage: true, continuous_usage_stats: true, include_progress: true },
      continue_final_message: true, echo: true, add_special_tokens: true, truncate_prompt_tokens: 100,
      documents: [{ title: 'T', text: 'x' }], chat_template: '{{ messages }}',
    }, { trustRequestChatTemplate: true });
    expect(params.sampling).toMatchObject({ minTokens: 4, allowedTokenIds: [1, 2] });
    expect(params).toMatchObject({
      stopOptions: { includeStopString: true, minTokens: 4 }, badWords: ['foo'], includeReasoning: false, requestId: 'abc', continuousUsage: true, includeProgress: true,
      prompt: { continueFinalMessage: true, echo: true, addSpecialTokens: true, truncatePromptTokens: 100, documents: [{ title: 'T', text: 'x' }], chatTemplate: '{{ messages }}' },
    });
    expect(parseChatParams({ messages, structured_outputs: { json: { type: 'object' } } }).responseFormat).toEqual({ type: 'json_schema', name: 'structured_outputs', schema: { type: 'object' } });
    expect(parseChatParams({ messages, structured_outputs: { json_object: true, disable_fallback: true } }).responseFormat).toEqual({ type: 'json_object' });
    expect(parseChatParams({ messages, guided_json: '{"type": "array"}' }).responseFormat).toEqual({ type: 'json_schema', name: 'guided_json', schema: { type: 'array' } });
  });
});
