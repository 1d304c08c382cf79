/**
 * `responses.create` over a scripted ChatApi: a reply's items (reasoning, message, calls) whole
 * and streamed, the stream's events folding into exactly the final response for every split of
 * the reply into chunks, statuses, stored conversations for previous_response_id (instructions not
 * carried over), the bounded store, a failure mid-stream, and the HTTP surface: JSON, SSE with
 * `event:` lines and no [DONE], 400s before any byte, and the `openai` SDK reading both.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '../../src/chat/chat-types.ts';
import { createOpenAIFetch } from '../../src/api/openai-fetch.ts';
import { ResponseStore } from '../../src/api/responses/response-store.ts';
import { createResponses } from '../../src/api/responses/responses-service.ts';
import type { ResponseObject, ResponseStreamEvent } from '../../src/api/responses/responses-types.ts';
import { chunksOf, completion, ScriptedChatApi } from '../support/scripted-chat-api.ts';

const full = () => completion({
  reasoning: 'The user wants two cities.',
  content: 'Let me check both.',
  toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_1' }, { name: 'get_weather', arguments: { city: 'Rome' }, id: 'call_2' }],
});

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The output the events build, applied as a client does: added items, deltas appended, done items replacing. */
function fold(events: readonly ResponseStreamEvent[]): unknown[] {
  const output: Array<Record<string, any>> = [];
  for (const event of events) {
    if (event.type === 'response.output_item.added') output[event.output_index] = structuredClone(event.item);
    else if (event.type === 'response.content_part.added') (output[event.output_index]!['content'] ??= []).push(structuredClone(event.part));
    else if (event.type === 'response.output_text.delta' || event.type === 'response.reasoning_text.delta') output[event.output_index]!['content'][event.content_index].text += event.delta;
    else if (event.type === 'response.function_call_arguments.delta') output[event.output_index]!['arguments'] += event.delta;
    else if (event.type === 'response.output_item.done') {
      // The done item must say what the deltas built (statuses aside, which only done events set).
      const built = { ...output[event.output_index], status: (event.item as { status?: unknown }).status };
      expect(event.item).toEqual(built);
      output[event.output_index] = structuredClone(event.item);
    }
  }
  return output;
}

/** Items without their random ids, nor the fields the SDK's stream helper adds (`parsed`, `parsed_arguments`). */
const withoutIds = (items: unknown[]) =>
  JSON.parse(JSON.stringify(items, (key, value) => (key === 'id' || key === 'parsed' || key === 'parsed_arguments' ? undefined : value))) as unknown[];

describe('responses.create over chat completions', () => {
  it('builds reasoning, message and function_call items, and usage', async () => {
    const responses = createResponses(new ScriptedChatApi([full()]));
    const response = await responses.create({ model: 'm', input: 'Weather?' });
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: 'scripted-model', incomplete_details: null, error: null });
    expect(response.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(withoutIds(response.output)).toEqual([
      { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'The user wants two cities.' }], status: 'completed' },
      { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Let me check both.', annotations: [] }] },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
      { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}', status: 'completed' },
    ]);
    expect(response.output.map((item) => item.id?.slice(0, 3))).toEqual(['rs_', 'msg', 'fc_', 'fc_']);
    expect(response.usage).toEqual({ input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 });
  });

  it('streams events that fold into exactly the final output, for every chunk size, with sequence numbers 0, 1, 2, …', async () => {
    const whole = await createResponses(new ScriptedChatApi([full()])).create({ input: 'Weather?' });
    for (const size of [1, 2, 3, 5, 8, 1000]) {
      const reply = full();
      const api = new ScriptedChatApi([{ chunks: chunksOf(reply, size) }]);
      const events = await collect(await createResponses(api).create({ input: 'Weather?', stream: true }));
      expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
      expect(events.slice(0, 2).map((event) => event.type)).toEqual(['response.created', 'response.in_progress']);
      const last = events.at(-1)!;
      expect(last.type).toBe('response.completed');
      const final = (last as { response: ResponseObject }).response;
      expect(fold(events)).toEqual(final.output);
      expect(withoutIds(final.output), `chunk size ${size}`).toEqual(withoutIds(whole.output));
      expect(api.requests[0]!.params).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    }
  });

  it('a reply cut by max_output_tokens is incomplete, whole and streamed; its last item too', async () => {
    const cut = () => completion({ content: 'Once upon' }, 'length');
    const api = new ScriptedChatApi([cut(), cut()]);
    const responses = createResponses(api);
    const whole = await responses.create({ input: 'Story', max_output_tokens: 2 });
    expect(whole).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, max_output_tokens: 2 });
    expect(whole.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
    expect(api.requests[0]!.params).toMatchObject({ max_completion_tokens: 2 });
    const events = await collect(await responses.create({ input: 'Story', max_output_tokens: 2, stream: true }));
    expect(events.at(-1)).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } });
    expect(fold(events)).toEqual((events.at(-1) as { response: ResponseObject }).response.output);
  });

  it('previous_response_id: the stored conversation and its output come first, the old instructions do not', async () => {
    const api = new ScriptedChatApi([full(), completion({ content: 'Paris 20, Rome 25.' }), completion({ content: 'Bye' })]);
    const responses = createResponses(api);
    const first = await responses.create({ input: 'Weather?', instructions: 'Be brief.' });
    const second = await responses.create({
      previous_response_id: first.id, instructions: 'Be kind.',
      input: [{ type: 'function_call_output', call_id: 'call_1', output: '20' }, { type: 'function_call_output', call_id: 'call_2', output: '25' }],
    });
    expect(api.requests[1]!.params.messages).toEqual([
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant', reasoning_content: 'The user wants two cities.', content: 'Let me check both.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '20' },
      { role: 'tool', tool_call_id: 'call_2', content: '25' },
    ]);
    expect(second.previous_response_id).toBe(first.id);
    await responses.create({ previous_response_id: second.id, input: 'Thanks' });
    expect(api.requests[2]!.params.messages.slice(-2)).toEqual([{ role: 'assistant', content: 'Paris 20, Rome 25.' }, { role: 'user', content: 'Thanks' }]);
    expect(await responses.retrieve(second.id)).toEqual(second);
  });

  it('refuses an unknown or unstored previous_response_id by name, before any chat request', async () => {
    const api = new ScriptedChatApi([completion({ content: 'x' })]);
    const responses = createResponses(api);
    const unstored = await responses.create({ input: 'x', store: false });
    for (const id of ['resp_missing', unstored.id]) {
      const error = await responses.create({ input: 'y', previous_response_id: id }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'LlmError', code: 'invalid_argument', subject: 'previous_response_id' });
      expect((error as Error).message).toContain(id);
    }
    expect(api.requests).toHaveLength(1);
  });

  it('a failure after the stream began ends it with response.failed', async () => {
    const reply = completion({ content: 'Hello there' });
    const api = new ScriptedChatApi([{ chunks: chunksOf(reply).slice(0, 3), thenThrow: new Error('the GPU device was lost') }]);
    const events = await collect(await createResponses(api).create({ input: 'x', stream: true }));
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'the GPU device was lost' } } });
  });
});

describe('output logprobs (include: ["message.output_text.logprobs"])', () => {
  it('asks chat for logprobs and returns them on the output_text part, whole and streamed', async () => {
    const token = (text: string) => ({ token: text, logprob: -0.5, bytes: null, top_logprobs: [{ token: text, logprob: -0.5, bytes: [104] }] });
    const reply = completion({ content: 'hi' });
    reply.choices[0]!.logprobs = { content: [token('h'), token('i')], refusal: null };
    const chunk = (delta: Record<string, unknown>, tokens: unknown[] | null, finish: 'stop' | null = null) =>
      ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'scripted-model', choices: [{ index: 0, delta, finish_reason: finish, logprobs: tokens === null ? null : { content: tokens, refusal: null } }] });
    const chunks = [chunk({ role: 'assistant', content: '' }, null), chunk({ content: 'h' }, [token('h')]), chunk({ content: 'i' }, [token('i')]), chunk({}, null, 'stop')];
    const api = new ScriptedChatApi([reply, { chunks: chunks as never }]);
    const responses = createResponses(api);
    const params = { input: 'x', include: ['message.output_text.logprobs' as const], top_logprobs: 1 };
    const whole = await responses.create(params);
    expect(api.requests[0]!.params).toMatchObject({ logprobs: true, top_logprobs: 1 });
    const expected = [
      { token: 'h', logprob: -0.5, bytes: [], top_logprobs: [{ token: 'h', logprob: -0.5, bytes: [104] }] },
      { token: 'i', logprob: -0.5, bytes: [], top_logprobs: [{ token: 'i', logprob: -0.5, bytes: [104] }] },
    ];
    expect(whole.output[0]).toMatchObject({ content: [{ text: 'hi', logprobs: expected }] });
    const events = await collect(await responses.create({ ...params, stream: true }));
    expect(events.filter((event) => event.type === 'response.output_text.delta').map((event) => (event as { logprobs: unknown[] }).logprobs.length)).toEqual([1, 1]);
    expect((events.at(-1) as { response: ResponseObject }).response.output[0]).toMatchObject({ content: [{ text: 'hi', logprobs: expected }] });
  });
});

describe('the response store', () => {
  it('evicts the least recently used response, by count and by bytes', () => {
    const stored = (text: string) => ({ response: { id: text } as ResponseObject, items: [{ type: 'message', role: 'user', content: text }] });
    const store = new ResponseStore({ maxResponses: 2 });
    store.put('a', stored('a'));
    store.put('b', stored('b'));
    store.get('a');
    store.put('c', stored('c'));
    expect([store.get('a') !== undefined, store.get('b') !== undefined, store.get('c') !== undefined]).toEqual([true, false, true]);
    const small = new ResponseStore({ maxBytes: 600 });
    small.put('x', stored('x'.repeat(100)));
    small.put('y', stored('y'.repeat(100)));
    expect([small.get('x'), small.size]).toEqual([undefined, 1]);
    small.put('huge', stored('z'.repeat(1000)));
    expect(small.get('huge')).toBeUndefined();
  });
});

describe('POST /v1/responses through fetch', () => {
  const base = 'http://local/v1';
  const post = (fetch: typeof globalThis.fetch, body: unknown) =>
    fetch(`${base}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('streams SSE with event: lines and no [DONE]; refuses a bad request with a 400 before any byte', async () => {
    const fetch = createOpenAIFetch(new ScriptedChatApi([completion({ content: 'Hi!' })]));
    const response = await post(fetch, { input: 'x', stream: true });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    const frames = text.split('\n\n').filter((frame) => frame !== '');
    for (const frame of frames) {
      const [event, data] = frame.split('\n');
      expect(event!.slice('event: '.length)).toBe(JSON.parse(data!.slice('data: '.length)).type);
    }
    expect(frames.at(-1)).toContain('event: response.completed');
    for (const [body, param] of [[{ input: 'x', stream: true, background: true }, 'background'], [{ input: 'x', tools: [{ type: 'file_search' }] }, 'tools[0].type'], [{ input: 'x', previous_response_id: 'resp_gone' }, 'previous_response_id']] as const) {
      const refused = await post(fetch, body);
      expect(refused.status).toBe(400);
      expect((await refused.json()).error).toMatchObject({ type: 'invalid_request_error', param, code: 'invalid_argument' });
    }
  });

  it('the openai SDK reads whole, streamed (responses.stream) and retrieved responses', async () => {
    const reply: ChatCompletion = full();
    const api = new ScriptedChatApi([reply, { chunks: chunksOf(reply, 4) }]);
    const client = new OpenAI({ baseURL: base, apiKey: 'x', fetch: createOpenAIFetch(api), maxRetries: 0 });
    const whole = await client.responses.create({ model: 'm', input: 'Weather?' });
    expect(whole.output_text).toBe('Let me check both.');
    const stream = client.responses.stream({ model: 'm', input: 'Weather?' });
    let deltas = '';
    stream.on('response.output_text.delta', (event) => (deltas += event.delta));
    const final = await stream.finalResponse();
    expect(deltas).toBe('Let me check both.');
    expect(final.output_text).toBe(whole.output_text);
    expect(withoutIds(final.output)).toEqual(withoutIds(whole.output));
    expect((await client.responses.retrieve(final.id)).id).toBe(final.id);
  });
});
