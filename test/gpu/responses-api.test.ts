/**
 * The Responses API end to end, driven by the official `openai` SDK over `engine.fetch` as its
 * docs write it (`client.responses.create`, `client.responses.stream`), greedy, on the demo's
 * tiny tool model: a reply equal to the chat completion for the same conversation, whole and
 * streamed; a get_weather round trip with the result sent back in the input and via
 * previous_response_id; instructions not carried over; text.format json_schema; status
 * incomplete at max_output_tokens; typed 400s. Then a thinking template (qwen3-f32, random
 * weights: shapes, not words): the reasoning item, whole and streamed.
 */
import OpenAI from 'openai';
import type { FunctionTool, Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { loadFixtureEngine } from '../support/fixture-engine.ts';
import { baseURL, heldoutCities, openTinyModel, tinyModelId, tinyModelTools, weatherFor, type TinyModelServer } from '../support/tiny-model-clients.ts';

const [cityA, cityB] = heldoutCities(2) as [string, string];
const greedy = { model: tinyModelId, temperature: 0, max_output_tokens: 48 } as const;
/** tools.json in the Responses API's flat shape. */
const tools: FunctionTool[] = tinyModelTools.map(({ function: fn }) => ({
  type: 'function', name: fn.name, description: fn.description ?? null, parameters: fn.parameters ?? null, strict: false,
}));

let server: TinyModelServer;
let client: OpenAI;

beforeAll(async () => {
  server = await openTinyModel();
  client = new OpenAI({ baseURL, apiKey: 'unused', fetch: server.fetch, maxRetries: 0 });
});
afterAll(async () => {
  await server?.engine.dispose();
});

const functionCalls = (response: Response) => response.output.flatMap((item) => (item.type === 'function_call' ? [item] : []));

describe('Responses API through the openai SDK (tiny-tool-qwen)', () => {
  it('answers a greeting with the same text as chat completions, whole and streamed', async () => {
    const response = await client.responses.create({ ...greedy, input: 'Hello!' });
    const chat = await server.engine.chat.completions.create({ model: tinyModelId, temperature: 0, max_tokens: 48, messages: [{ role: 'user', content: 'Hello!' }] });
    expect(response.output_text.length).toBeGreaterThan(3);
    expect(response.output_text).toBe(chat.choices[0]!.message.content);
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: tinyModelId, incomplete_details: null });
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', annotations: [] }] });
    expect(response.usage).toMatchObject({ input_tokens: chat.usage!.prompt_tokens, output_tokens: chat.usage!.completion_tokens, total_tokens: chat.usage!.total_tokens });

    const events: ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ ...greedy, input: 'Hello!', stream: true })) events.push(event);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toEqual([
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      ...events.filter((event) => event.type === 'response.output_text.delta').map(() => 'response.output_text.delta'),
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
    ]);
    const deltas = events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join('');
    const completed = events.at(-1) as { response: Response };
    expect(deltas).toBe(response.output_text);
    expect(completed.response.output[0]).toMatchObject({ type: 'message', content: [{ text: response.output_text }] });
  });

  it(`round-trips get_weather: function_call item, the page runs it, function_call_output in the input (${cityA})`, async () => {
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: `What's the weather in ${cityA}?` }];
    const first = await client.responses.create({ ...greedy, input, tools });
    const calls = functionCalls(first);
    expect(calls.map((call) => ({ name: call.name, args: JSON.parse(call.arguments) as unknown }))).toEqual([{ name: 'get_weather', args: { city: cityA } }]);
    expect(calls[0]).toMatchObject({ status: 'completed', call_id: expect.stringMatching(/\S/), id: expect.stringMatching(/^fc_/) });
    // As OpenAI's function-calling guide writes it: the output pushed back, then one output per call.
    input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]));
    for (const call of calls) input.push({ type: 'function_call_output', call_id: call.call_id, output: JSON.stringify(weatherFor(cityA)) });
    const final = await client.responses.create({ ...greedy, input, tools });
    const weather = weatherFor(cityA);
    for (const part of [`${weather.temperature_c}°C`, weather.condition, cityA]) expect(final.output_text).toContain(part);
    expect(functionCalls(final)).toEqual([]);

    // The same turn by previous_response_id: only the function_call_output is sent.
    const chained = await client.responses.create({ ...greedy, tools, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: calls[0]!.call_id, output: JSON.stringify(weather) }] });
    expect(chained.output_text).toBe(final.output_text);
    expect(chained.previous_response_id).toBe(first.id);
  });

  it(`streams a function call whose argument deltas fold into the final item (${cityB})`, async () => {
    const stream = client.responses.stream({ ...greedy, input: `What's the weather in ${cityB}?`, tools });
    let argumentDeltas = '';
    stream.on('response.function_call_arguments.delta', (event) => (argumentDeltas += event.delta));
    const final = await stream.finalResponse();
    const [call] = functionCalls(final);
    expect(call).toMatchObject({ name: 'get_weather', status: 'completed' });
    expect(JSON.parse(call!.arguments)).toEqual({ city: cityB });
    expect(argumentDeltas).toBe(call!.arguments);
  });

  it('chains by previous_response_id without carrying the instructions over', async () => {
    const first = await client.responses.create({ ...greedy, input: 'Hello!', instructions: 'You are a terse assistant.' });
    const chained = await client.responses.create({ ...greedy, previous_response_id: first.id, input: 'What is the weather in Paris?', tools });
    expect(functionCalls(chained).map((call) => JSON.parse(call.arguments) as unknown)).toEqual([{ city: 'Paris' }]);
    // The prompt it ran equals the conversation resent in full without the instructions.
    const resent = await client.responses.create({ ...greedy, input: [{ role: 'user', content: 'Hello!' }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'What is the weather in Paris?' }], tools });
    expect(chained.usage!.input_tokens).toBe(resent.usage!.input_tokens);
    expect(chained.output.map((item) => item.type)).toEqual(resent.output.map((item) => item.type));
  });

  it('text.format json_schema gives JSON that matches the schema', async () => {
    const schema = { type: 'object', properties: { mood: { type: 'string', enum: ['happy', 'sad'] }, ok: { type: 'boolean' } }, required: ['mood', 'ok'], additionalProperties: false };
    const response = await client.responses.create({ ...greedy, max_output_tokens: 64, input: 'Hello!', text: { format: { type: 'json_schema', name: 'mood', schema, strict: true } } });
    const parsed = JSON.parse(response.output_text) as { mood: string; ok: boolean };
    expect(['happy', 'sad']).toContain(parsed.mood);
    expect(typeof parsed.ok).toBe('boolean');
    expect(Object.keys(parsed).sort()).toEqual(['mood', 'ok']);
  });

  it('max_output_tokens cuts the reply: status incomplete, whole and streamed', async () => {
    const response = await client.responses.create({ ...greedy, max_output_tokens: 3, input: 'Hello!' });
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { output_tokens: 3 } });
    expect(response.output.at(-1)).toMatchObject({ status: 'incomplete' });
    const events: ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ ...greedy, max_output_tokens: 3, input: 'Hello!', stream: true })) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', output: response.output.map((item) => ({ ...item, id: expect.any(String) })) } });
  });

  it('unknown previous_response_id and unsupported fields are 400s naming the field; the engine API throws typed errors', async () => {
    const refused = async (body: Record<string, unknown>) => client.responses.create({ ...greedy, input: 'Hello!', ...body } as never).catch((error: unknown) => error);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ previous_response_id: 'resp_does_not_exist' }, 'previous_response_id'],
      [{ background: true }, 'background'],
      [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
      [{ include: ['reasoning.encrypted_content'] }, 'include[0]'],
      [{ stream: true, conversation: 'conv_1' }, 'conversation'],
    ];
    for (const [body, param] of cases) {
      const error = await refused(body);
      expect(error, param).toBeInstanceOf(OpenAI.APIError);
      expect(error).toMatchObject({ status: 400, param });
      expect((error as Error).message).toContain(param);
    }
    const direct = await server.engine.responses.create({ model: tinyModelId, input: 'x', previous_response_id: 'resp_nope' }).catch((error: unknown) => error);
    expect(direct).toMatchObject({ name: 'LlmError', code: 'invalid_argument', subject: 'previous_response_id' });
  });
});

describe('Responses API on a thinking template (qwen3-f32)', () => {
  let qwen3: LlmEngine;
  beforeAll(async () => {
    qwen3 = await loadFixtureEngine('qwen3-f32', { maxModelLen: 512 });
  });
  afterAll(async () => {
    await qwen3?.dispose();
  });

  it('returns the reasoning as a reasoning item (reasoning_text content, no summary), whole and streamed', async () => {
    const params = { model: 'qwen3', input: 'Hello', temperature: 0, max_output_tokens: 10 } as const;
    const response = await qwen3.responses.create(params);
    const chat = await qwen3.chat.completions.create({ model: 'qwen3', messages: [{ role: 'user', content: 'Hello' }], temperature: 0, max_tokens: 10 });
    const reasoning = (chat.choices[0]!.message as { reasoning_content?: string | null }).reasoning_content;
    // The random fixture never closes </think>: all of it is reasoning, cut at the limit.
    expect(reasoning?.length).toBeGreaterThan(0);
    expect(response.status).toBe('incomplete');
    expect(response.output).toEqual([{ type: 'reasoning', id: expect.stringMatching(/^rs_/), summary: [], content: [{ type: 'reasoning_text', text: reasoning }], status: 'completed' }]);
    expect(response.usage?.output_tokens).toBe(10);

    const events: ResponseStreamEvent[] = [];
    for await (const event of await qwen3.responses.create({ ...params, stream: true })) events.push(event as ResponseStreamEvent);
    const deltas = events.flatMap((event) => (event.type === 'response.reasoning_text.delta' ? [event.delta] : [])).join('');
    expect(deltas).toBe(reasoning);
    expect(events.find((event) => event.type === 'response.reasoning_text.done')).toMatchObject({ text: reasoning });
    expect(events.find((event) => event.type === 'response.content_part.added')).toMatchObject({ part: { type: 'reasoning_text', text: '' } });

    // The reasoning item goes back as the assistant's reasoning_content, and thinking can be turned off.
    const followUp = await qwen3.responses.create({ ...params, previous_response_id: response.id, input: 'Go on', chat_template_kwargs: { enable_thinking: false } });
    expect(followUp.output.map((item) => item.type)).toEqual(['message']);
    expect(followUp.usage!.input_tokens).toBeGreaterThan(response.usage!.input_tokens);
  });
});
