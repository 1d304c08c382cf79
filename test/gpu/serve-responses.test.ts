/**
 * The Responses API over real HTTP: the official `openai` client against `serve`'s server
 * (startOpenAIServer, port 0, a key) on the demo's tiny tool model, greedy — a whole reply, a
 * streamed one whose deltas fold into the final text, and a get_weather round trip whose result
 * goes back by previous_response_id; then the same API on a remote engine (createEngine({ baseURL }))
 * pointed at that server.
 */
import OpenAI from 'openai';
import type { FunctionTool, Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { startOpenAIServer, type OpenAIServer } from '../../src/server/openai-server.ts';
import { heldoutCities, tinyModelFolder, tinyModelId, tinyModelTools, weatherFor } from '../support/tiny-model-clients.ts';

const API_KEY = 'serve-responses-key';
const [city] = heldoutCities(1, 3) as [string];
const greedy = { model: tinyModelId, temperature: 0, max_output_tokens: 48 } as const;
const tools: FunctionTool[] = tinyModelTools.map(({ function: fn }) => ({
  type: 'function', name: fn.name, description: fn.description ?? null, parameters: fn.parameters ?? null, strict: false,
}));

let engine: LlmEngine;
let server: OpenAIServer;
let client: OpenAI;

beforeAll(async () => {
  engine = await createEngine({ model: tinyModelFolder, worker: false, modelId: tinyModelId });
  console.log(`[webgpu] adapter: ${engine.info.adapterName}`);
  server = await startOpenAIServer(engine, { port: 0, apiKey: API_KEY });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: API_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await server?.close(0);
  await engine?.dispose();
});

const functionCalls = (response: Response) => response.output.flatMap((item) => (item.type === 'function_call' ? [item] : []));

describe('POST /v1/responses through the openai client over HTTP', () => {
  it('a whole reply, and a streamed one with the same text', async () => {
    const whole = await client.responses.create({ ...greedy, input: 'Hello!' });
    expect(whole).toMatchObject({ object: 'response', status: 'completed', model: tinyModelId });
    expect(whole.output_text.length).toBeGreaterThan(3);
    const events: ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ ...greedy, input: 'Hello!', stream: true })) events.push(event);
    expect(events[0]?.type).toBe('response.created');
    expect(events.at(-1)?.type).toBe('response.completed');
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join('')).toBe(whole.output_text);
  });

  it(`a function tool round trip: get_weather(${city}), its output back by previous_response_id`, async () => {
    const first = await client.responses.create({ ...greedy, tools, input: `What's the weather in ${city}?` });
    const calls = functionCalls(first);
    expect(calls.map((call) => ({ name: call.name, args: JSON.parse(call.arguments) as unknown }))).toEqual([{ name: 'get_weather', args: { city } }]);
    const weather = weatherFor(city);
    const final = await client.responses.create({
      ...greedy, tools, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: calls[0]!.call_id, output: JSON.stringify(weather) }],
    });
    for (const part of [`${weather.temperature_c}°C`, weather.condition, city]) expect(final.output_text).toContain(part);
  });

  it('401 without the key', async () => {
    const keyless = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await expect(keyless.responses.create({ ...greedy, input: 'Hello!' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('a remote engine pointed at the server answers the Responses API too', async () => {
    const remote = await createEngine({ baseURL: `${server.url}/v1`, apiKey: API_KEY, model: tinyModelId });
    try {
      const local = await engine.responses.create({ ...greedy, input: 'Hello!' });
      const over = await remote.responses.create({ ...greedy, input: 'Hello!' });
      expect(over.status).toBe('completed');
      expect(over.output).toEqual(local.output.map((item) => ({ ...item, id: expect.any(String) })));
    } finally {
      await remote.dispose();
    }
  });
});
