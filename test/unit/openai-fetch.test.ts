/**
 * createOpenAIFetch against a scripted ChatApi: JSON and SSE responses (parsed back), OpenAI error
 * bodies and statuses, routes, abort and cancel reaching the request; then the real `openai`
 * client using it as its fetch, streaming and not, and its error classes.
 */
import OpenAI, { APIError, BadRequestError, NotFoundError } from 'openai';
import { describe, expect, it, vi } from 'vitest';
import { createOpenAIFetch } from '../../src/api/openai-fetch.ts';
import { parseSseData } from '../../src/api/sse.ts';
import { LlmError } from '../../src/errors.ts';
import { chunksOf, completion, hangUntilAborted, ScriptedChatApi } from '../support/scripted-chat-api.ts';

const base = 'http://localhost/v1';
const body = { model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 };
const post = (value: unknown, init: RequestInit = {}) =>
  ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof value === 'string' ? value : JSON.stringify(value), ...init });

const reply = completion({ reasoning: 'Greet back.', content: 'Hello there, how can I help?' });
const withCall = completion({ content: 'Checking.', toolCalls: [{ id: 'call-9', name: 'get_weather', arguments: { city: 'Paris' } }] });

describe('createOpenAIFetch', () => {
  it('answers a chat completion as JSON and passes the params and a signal to create', async () => {
    const api = new ScriptedChatApi([reply]);
    const response = await createOpenAIFetch(api)(`${base}/chat/completions`, post(body));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(reply);
    expect(api.requests[0]!.params).toEqual(body);
    expect(api.requests[0]!.signal).toBeInstanceOf(AbortSignal);
  });

  it('matches the route by its path ending, for a base without /v1 and a Request input', async () => {
    const api = new ScriptedChatApi([reply, reply]);
    const fetch = createOpenAIFetch(api);
    expect((await fetch('http://127.0.0.1:8000/chat/completions', post(body))).status).toBe(200);
    const request = new Request('https://example.test/api/v1/chat/completions/', post(body));
    expect(await (await fetch(request)).json()).toEqual(reply);
    expect(api.requests[1]!.params).toEqual(body);
  });

  it('streams chunks as SSE events ending with [DONE]', async () => {
    const api = new ScriptedChatApi([withCall]);
    const response = await createOpenAIFetch(api)(new URL(`${base}/chat/completions`), post({ ...body, stream: true }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text.split('\n\n').slice(0, -1).every((event) => /^data: /.test(event) && !event.includes('\n'))).toBe(true);
    const events = parseSseData(text);
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.slice(0, -1).map((event) => JSON.parse(event))).toEqual(chunksOf(withCall));
    expect(api.streamsClosed).toBe(1);
  });

  it('turns request errors into 400 OpenAI error bodies', async () => {
    const api = new ScriptedChatApi([
      { throws: new LlmError('invalid_argument', 'temperature must be >= 0', 'temperature') },
      { throws: new LlmError('context_length_exceeded', 'the prompt has 5000 tokens, the context 4096', 'messages') },
      { throws: { status: 422, error: { message: 'bad thing', type: 'invalid_request_error', param: 'x', code: 'bad' } } },
    ]);
    const fetch = createOpenAIFetch(api);
    const first = await fetch(`${base}/chat/completions`, post(body));
    expect(first.status).toBe(400);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(await first.json()).toEqual({ error: { message: 'temperature must be >= 0', type: 'invalid_request_error', param: 'temperature', code: 'invalid_argument' } });
    const second = await fetch(`${base}/chat/completions`, post(body));
    expect(second.status).toBe(400);
    expect((await second.json()).error).toMatchObject({ type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' });
    const third = await fetch(`${base}/chat/completions`, post(body));
    expect(third.status).toBe(422);
    expect(await third.json()).toEqual({ error: { message: 'bad thing', type: 'invalid_request_error', param: 'x', code: 'bad' } });
  });

  it('answers bad JSON with 400, unknown routes with 404, other failures with 500', async () => {
    const api = new ScriptedChatApi([{ throws: new Error('device lost') }]);
    const fetch = createOpenAIFetch(api);
    const badJson = await fetch(`${base}/chat/completions`, post('{"model": '));
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/not valid JSON/) });
    expect((await fetch(`${base}/chat/completions`, post('[1, 2]'))).status).toBe(400);
    for (const [url, method] of [[`${base}/completions`, 'POST'], [`${base}/chat/completions`, 'GET'], [`${base}/embeddings`, 'POST']] as const) {
      const response = await fetch(url, { method, body: method === 'POST' ? '{}' : null });
      expect(response.status).toBe(404);
      expect((await response.json()).error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    }
    expect(api.requests).toHaveLength(0);
    const failure = await fetch(`${base}/chat/completions`, post(body));
    expect(failure.status).toBe(500);
    expect(await failure.json()).toEqual({ error: { message: 'device lost', type: 'server_error', param: null, code: null } });
  });

  it('lists models', async () => {
    const api = new ScriptedChatApi([]);
    const response = await createOpenAIFetch(api)(`${base}/models`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(await api.models.list());
  });

  it('ends a stream that fails midway with an error event, as vLLM does', async () => {
    const chunks = chunksOf(reply).slice(0, 3);
    const api = new ScriptedChatApi([{ chunks, thenThrow: new LlmError('invalid_argument', 'grammar rejected the token', 'response_format') }]);
    const response = await createOpenAIFetch(api)(`${base}/chat/completions`, post({ ...body, stream: true }));
    const events = parseSseData(await response.text());
    expect(events.slice(0, 3).map((event) => JSON.parse(event))).toEqual(chunks);
    expect(JSON.parse(events[3]!)).toEqual({ error: { message: 'grammar rejected the token', type: 'invalid_request_error', param: 'response_format', code: 'invalid_argument' } });
    expect(events.slice(4)).toEqual(['[DONE]']);
  });

  it('cancelling the response body aborts the request it streams', async () => {
    const api = new ScriptedChatApi([reply], undefined, 5);
    const response = await createOpenAIFetch(api)(`${base}/chat/completions`, post({ ...body, stream: true }));
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    expect(api.requests[0]!.signal?.aborted).toBe(false);
    await reader.cancel();
    expect(api.requests[0]!.signal?.aborted).toBe(true);
    await vi.waitFor(() => expect(api.streamsClosed).toBe(1));
  });

  it('passes the request signal through: an abort rejects like fetch and reaches create', async () => {
    const api = new ScriptedChatApi([reply, hangUntilAborted], undefined, 5);
    const fetch = createOpenAIFetch(api);
    const controller = new AbortController();
    const response = await fetch(`${base}/chat/completions`, post({ ...body, stream: true }, { signal: controller.signal }));
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await expect((async () => { for (;;) if ((await reader.read()).done) return; })()).rejects.toMatchObject({ name: 'AbortError' });
    expect(api.requests[0]!.signal?.aborted).toBe(true);

    const second = new AbortController();
    const pending = fetch(new Request(`${base}/chat/completions`, post(body, { signal: second.signal })));
    await vi.waitFor(() => expect(api.requests).toHaveLength(2));
    second.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(api.requests[1]!.signal?.aborted).toBe(true);
    await expect(fetch(`${base}/chat/completions`, post(body, { signal: AbortSignal.abort() }))).rejects.toMatchObject({ name: 'AbortError' });
    expect(api.requests).toHaveLength(2);
  });
});

describe('the openai client over createOpenAIFetch', () => {
  const client = (api: ScriptedChatApi) =>
    new OpenAI({ baseURL: base, apiKey: 'x', fetch: createOpenAIFetch(api), dangerouslyAllowBrowser: true, maxRetries: 0 });

  it('gets a chat completion back', async () => {
    const api = new ScriptedChatApi([withCall]);
    const result = await client(api).chat.completions.create({ model: 'scripted-model', messages: [{ role: 'user', content: 'weather?' }], max_tokens: 8 });
    expect(result).toEqual(withCall);
    expect(result.choices[0]!.message.tool_calls![0]).toMatchObject({ id: 'call-9', function: { name: 'get_weather' } });
    expect(api.requests[0]!.params).toMatchObject({ model: 'scripted-model', max_tokens: 8 });
  });

  it('streams chunks that concatenate to the message', async () => {
    const api = new ScriptedChatApi([reply]);
    const stream = await client(api).chat.completions.create({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const received = [];
    for await (const chunk of stream) received.push(chunk);
    expect(received).toEqual(chunksOf(reply));
    expect(received.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(reply.choices[0]!.message.content);
  });

  it('raises BadRequestError with code and param, NotFoundError, and a mid-stream error', async () => {
    const api = new ScriptedChatApi([
      { throws: new LlmError('context_length_exceeded', 'the prompt is too long', 'messages') },
      { chunks: chunksOf(reply).slice(0, 2), thenThrow: new Error('device lost') },
    ]);
    const openai = client(api);
    const request = { model: 'scripted-model', messages: [{ role: 'user' as const, content: 'hi' }] };
    const error = await openai.chat.completions.create(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages', type: 'invalid_request_error' });
    await expect(openai.embeddings.create({ model: 'scripted-model', input: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    const stream = await openai.chat.completions.create({ ...request, stream: true });
    const midway = await (async () => { for await (const _ of stream); })().catch((caught: unknown) => caught);
    expect(midway).toBeInstanceOf(APIError);
    expect((midway as APIError).message).toMatch(/device lost/);
  });

  it('lists models', async () => {
    const page = await client(new ScriptedChatApi([])).models.list();
    expect(page.data.map((model) => model.id)).toEqual(['scripted-model']);
  });
});
