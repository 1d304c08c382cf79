/**
 * The completions API's pure parts: request parsing (the four prompt shapes, defaults, every
 * refusal naming its field), the legacy logprobs layout, and createOpenAIFetch routing
 * POST …/completions to `completions.create` without shadowing …/chat/completions.
 */
import OpenAI from 'openai';
import type { Completion } from 'openai/resources/completions';
import { describe, expect, it } from 'vitest';
import type { CompletionCreateParams, Completions } from '../../src/chat/completion-types.ts';
import { defaultMaxTokens, parseCompletionParams } from '../../src/chat/completion-params.ts';
import { legacyLogprobs } from '../../src/chat/completion-response.ts';
import { createOpenAIFetch } from '../../src/api/openai-fetch.ts';
import { parseSseData } from '../../src/api/sse.ts';
import { isLlmError } from '../../src/errors.ts';
import { completion, ScriptedChatApi } from '../support/scripted-chat-api.ts';

function refusal(params: Record<string, unknown>): { param: string | undefined; message: string } {
  try {
    parseCompletionParams(params);
  } catch (error) {
    expect(isLlmError(error, 'invalid_argument')).toBe(true);
    return { param: (error as { subject?: string }).subject, message: (error as Error).message };
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

describe('parseCompletionParams', () => {
  it('reads the four prompt shapes', () => {
    expect(parseCompletionParams({ prompt: 'hi' })).toMatchObject({ prompts: [{ text: 'hi' }], promptLabels: ['prompt'] });
    expect(parseCompletionParams({ prompt: ['a', 'b'] })).toMatchObject({ prompts: [{ text: 'a' }, { text: 'b' }], promptLabels: ['prompt[0]', 'prompt[1]'] });
    expect(parseCompletionParams({ prompt: [1, 2, 3] })).toMatchObject({ prompts: [{ ids: [1, 2, 3] }], promptLabels: ['prompt'] });
    expect(parseCompletionParams({ prompt: [[1], [2, 3]] })).toMatchObject({ prompts: [{ ids: [1] }, { ids: [2, 3] }] });
  });

  it('fills OpenAI and vLLM defaults, and maps fields to engine names', () => {
    const params = parseCompletionParams({ prompt: 'x', max_tokens: null, user: 'u-1' });
    expect(params).toMatchObject({ n: 1, maxTokens: defaultMaxTokens, echo: false, logprobs: undefined, stream: false, addSpecialTokens: true, stop: [] });
    expect(defaultMaxTokens).toBe(16);
    const full = parseCompletionParams({
      prompt: 'x', max_tokens: 5, temperature: 0.5, top_p: 0.9, top_k: 4, min_p: 0.1, repetition_penalty: 1.1, presence_penalty: 0.2,
      frequency_penalty: 0.3, logit_bias: { '7': -5 }, seed: 3, stop: 'END', stop_token_ids: [9], ignore_eos: true, logprobs: 2,
      n: 3, best_of: 3, stream: true, stream_options: { include_usage: true }, add_special_tokens: false, suffix: null,
    });
    expect(full).toMatchObject({ n: 3, maxTokens: 5, logprobs: 2, stream: true, includeUsage: true, includeProgress: false, addSpecialTokens: false, stop: ['END'] });
    expect(parseCompletionParams({ prompt: 'x', stream: true, stream_options: { include_progress: true } }).includeProgress).toBe(true);
    expect(full.sampling).toEqual({
      temperature: 0.5, topP: 0.9, topK: 4, minP: 0.1, repetitionPenalty: 1.1, presencePenalty: 0.2, frequencyPenalty: 0.3,
      logitBias: { 7: -5 }, seed: 3, stopTokenIds: [9], ignoreEos: true, logprobs: 2,
    });
    expect(parseCompletionParams({ prompt: 'x', echo: true, max_tokens: 0 })).toMatchObject({ echo: true, maxTokens: 0 });
  });

  it("honours vLLM's min_tokens, allowed_token_ids and bad_words as chat does", () => {
    const params = parseCompletionParams({ prompt: 'x', max_tokens: 8, min_tokens: 3, allowed_token_ids: [4, 5], bad_words: ['foo', ' bar'] });
    expect(params.sampling).toEqual({ minTokens: 3, allowedTokenIds: [4, 5] });
    // Stop strings are held off for min_tokens, as EOS is.
    expect(params.stopOptions).toEqual({ minTokens: 3 });
    expect(params.badWords).toEqual(['foo', ' bar']);
    expect(parseCompletionParams({ prompt: 'x' })).toMatchObject({ stopOptions: { minTokens: 0 }, badWords: [] });
    // The default max_tokens (16) bounds min_tokens too.
    expect(parseCompletionParams({ prompt: 'x', min_tokens: 16 }).sampling.minTokens).toBe(16);
  });

  it('accepts server-side fields and vLLM extras left at the value that changes nothing', () => {
    expect(() => parseCompletionParams({
      prompt: 'x', user: 'u', cache_salt: 'salt', kv_transfer_params: null, min_tokens: 0, include_stop_str_in_output: false,
      skip_special_tokens: true, use_beam_search: false, response_format: { type: 'text' }, bad_words: [], priority: 0,
    })).not.toThrow();
  });

  it('refuses, naming the field', () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{}, 'prompt', /required/],
      [{ prompt: '' }, 'prompt', /empty/],
      [{ prompt: [] }, 'prompt', /empty list/],
      [{ prompt: [[1], []] }, 'prompt[1]', /empty list of token ids/],
      [{ prompt: [1, -2] }, 'prompt', /-2/],
      [{ prompt: [[1], [2.5]] }, 'prompt[1]', /2.5/],
      [{ prompt: ['a', [1]] }, 'prompt', /not a mix/],
      [{ prompt: 7 }, 'prompt', /must be a string/],
      [{ prompt: 'x', suffix: '' }, 'suffix', /not supported/],
      [{ prompt: 'x', best_of: 2 }, 'best_of', /must equal n/],
      [{ prompt: 'x', n: 65 }, 'n', /at most/],
      [{ prompt: Array.from({ length: 600 }, () => 'p'), n: 2 }, 'prompt', /1024/],
      [{ prompt: 'x', max_tokens: 0 }, 'max_tokens', /0 only with echo/],
      [{ prompt: 'x', max_tokens: -1, echo: true }, 'max_tokens', /-1/],
      [{ prompt: 'x', logprobs: true }, 'logprobs', /integer/],
      [{ prompt: 'x', logprobs: 21 }, 'logprobs', /\[0, 20\]/],
      [{ prompt: 'x', echo: true, logprobs: 0 }, 'echo', /logprobs/],
      [{ prompt: 'x', stream_options: { include_usage: true } }, 'stream_options', /stream is true/],
      [{ prompt: 'x', stream: true, stream_options: { include_progress: 'yes' } }, 'stream_options.include_progress', /must be a boolean/],
      [{ prompt: 'x', temperature: 2.5 }, 'temperature', /\[0, 2\]/],
      [{ prompt: 'x', stop: [''] }, 'stop', /empty/],
      [{ prompt: 'x', user: 5 }, 'user', /string/],
      [{ prompt: 'x', messages: [] }, 'messages', /not a field of OpenAI's or vLLM's completions request/],
      [{ prompt: 'x', prompt_logprobs: 1 }, 'prompt_logprobs', /not supported/],
      [{ prompt: 'x', use_beam_search: true }, 'use_beam_search', /not supported/],
      [{ prompt: 'x', min_tokens: 17 }, 'min_tokens', /^min_tokens: must be at most max_tokens \(16\), got 17$/],
      [{ prompt: 'x', max_tokens: 4, min_tokens: 5 }, 'min_tokens', /at most max_tokens \(4\)/],
      [{ prompt: 'x', echo: true, max_tokens: 0, min_tokens: 1 }, 'min_tokens', /at most max_tokens \(0\)/],
      [{ prompt: 'x', min_tokens: -1 }, 'min_tokens', /non-negative integer/],
      [{ prompt: 'x', allowed_token_ids: 5 }, 'allowed_token_ids', /array of token ids/],
      [{ prompt: 'x', bad_words: 'foo' }, 'bad_words', /array of strings/],
      [{ prompt: 'x', include_stop_str_in_output: true }, 'include_stop_str_in_output', /not supported/],
      [{ prompt: 'x', response_format: { type: 'json_object' } }, 'response_format', /chat.completions/],
      [{ prompt: 'x', cache_salt: 5 }, 'cache_salt', /string/],
    ];
    for (const [params, param, message] of cases) {
      const found = refusal(params);
      expect(found.param, JSON.stringify(params).slice(0, 80)).toBe(param);
      expect(found.message).toMatch(message);
      expect(found.message.startsWith(param)).toBe(true);
    }
  });
});

describe('legacyLogprobs', () => {
  it('lists tokens, their logprobs, the sampled token then the alternatives, and text offsets', () => {
    const entry = (token: string, logprob: number, top: [string, number][]) => ({
      token, logprob, bytes: null, top_logprobs: top.map(([t, l]) => ({ token: t, logprob: l, bytes: null })),
    });
    const layout = legacyLogprobs([
      entry('Hello', -0.5, [['Hi', -0.25], ['Hello', -0.5]]),
      entry(' world', -Infinity, [['!', -0.1]]),
    ], 7);
    expect(layout).toEqual({
      tokens: ['Hello', ' world'],
      token_logprobs: [-0.5, -9999],
      top_logprobs: [{ Hello: -0.5, Hi: -0.25 }, { ' world': -9999, '!': -0.1 }],
      text_offset: [7, 12],
    });
    expect(Object.keys(layout.top_logprobs![0]!)).toEqual(['Hello', 'Hi']);
  });
});

describe('createOpenAIFetch with a completions API', () => {
  const textCompletion: Completion = {
    id: 'cmpl-1', object: 'text_completion', created: 1_700_000_000, model: 'scripted-model',
    choices: [{ index: 0, text: ' there', logprobs: null, finish_reason: 'length' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
  const chunk = (text: string, finishReason: 'length' | null): Completion => ({
    id: 'cmpl-1', object: 'text_completion', created: 1_700_000_000, model: 'scripted-model',
    // Streamed chunks carry finish_reason null until the last, which OpenAI's type does not spell.
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason as 'length' }],
  });
  const chunks = [chunk(' the', null), chunk('re', 'length')];

  function api() {
    const chat = new ScriptedChatApi([completion({ content: 'chat reply' })]);
    const calls: { params: CompletionCreateParams; signal: AbortSignal | undefined }[] = [];
    const create = (async (params: CompletionCreateParams, options?: { signal?: AbortSignal }) => {
      calls.push({ params, signal: options?.signal });
      if (params.prompt === 'bad') throw Object.assign(new Error('prompt is bad'), { name: 'LlmError', code: 'invalid_argument', subject: 'prompt' });
      if (params.stream !== true) return textCompletion;
      return (async function* () { yield* chunks; })();
    }) as Completions['create'];
    return { chat: chat.chat, models: chat.models, completions: { create }, calls, chatApi: chat };
  }

  it('serves POST …/completions from completions.create, JSON and SSE, and chat from chat', async () => {
    const target = api();
    const fetch = createOpenAIFetch(target);
    const post = (path: string, body: unknown) => fetch(`http://localhost/v1${path}`, { method: 'POST', body: JSON.stringify(body) });
    const whole = await post('/completions', { model: 'm', prompt: 'hi' });
    expect(whole.status).toBe(200);
    expect(await whole.json()).toEqual(textCompletion);
    expect(target.calls[0]!.params).toEqual({ model: 'm', prompt: 'hi' });
    expect(target.calls[0]!.signal).toBeInstanceOf(AbortSignal);
    const streamed = await post('/completions', { model: 'm', prompt: 'hi', stream: true });
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSseData(await streamed.text());
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.slice(0, -1).map((event) => JSON.parse(event))).toEqual(chunks);
    const chat = await post('/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect((await chat.json()).object).toBe('chat.completion');
    expect(target.calls).toHaveLength(2);
    expect(target.chatApi.requests).toHaveLength(1);
    const refused = await post('/completions', { model: 'm', prompt: 'bad', stream: true });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { message: 'prompt is bad', type: 'invalid_request_error', param: 'prompt', code: 'invalid_argument' } });
    expect((await fetch('http://localhost/v1/completions')).status).toBe(404);
  });

  it('a chat-only API answers POST …/completions with 404', async () => {
    const response = await createOpenAIFetch(new ScriptedChatApi([]))('http://localhost/v1/completions', { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });

  it('the openai client reads both shapes', async () => {
    const client = new OpenAI({ baseURL: 'http://localhost/v1', apiKey: 'x', fetch: createOpenAIFetch(api()), dangerouslyAllowBrowser: true, maxRetries: 0 });
    expect(await client.completions.create({ model: 'm', prompt: 'hi' })).toEqual(textCompletion);
    let text = '';
    for await (const chunk of await client.completions.create({ model: 'm', prompt: 'hi', stream: true })) text += chunk.choices[0]!.text;
    expect(text).toBe(' there');
  });
});
