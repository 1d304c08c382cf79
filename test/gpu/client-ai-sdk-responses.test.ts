/**
 * The Vercel AI SDK's default OpenAI provider (`@ai-sdk/openai`: `openai(modelId)` speaks the
 * Responses API) over engine.fetch, as its docs show it, greedy on the demo's tiny tool model:
 * generateText with a tool the SDK executes over two steps (function_call → function_call_output →
 * an answer carrying the result), and streamText whose streamed text is the final text.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool, type JSONSchema7 } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseURL, heldoutCities, openTinyModel, tinyModelId, tinyTool, weatherFor, type TinyModelServer } from '../support/tiny-model-clients.ts';

const [cityA] = heldoutCities(1, 5) as [string];
let server: TinyModelServer;
let openai: ReturnType<typeof createOpenAI>;

beforeAll(async () => {
  server = await openTinyModel();
  openai = createOpenAI({ baseURL, apiKey: 'unused', fetch: server.fetch });
});
afterAll(async () => {
  await server?.engine.dispose();
});

const greedy = { temperature: 0, maxOutputTokens: 48 } as const;

function weatherTool(executed: unknown[]) {
  const { description = '', parameters } = tinyTool('get_weather');
  return tool({
    description,
    inputSchema: jsonSchema<{ city: string }>(parameters as JSONSchema7),
    execute: async ({ city }: { city: string }) => {
      executed.push({ city });
      return weatherFor(city);
    },
  });
}

describe('AI SDK default OpenAI provider (Responses API) over engine.fetch', () => {
  it('uses POST /responses', async () => {
    const paths: string[] = [];
    const recording = createOpenAI({
      baseURL, apiKey: 'unused',
      fetch: (input, init) => {
        paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
        return server.fetch(input, init);
      },
    });
    const { text } = await generateText({ model: recording(tinyModelId), prompt: 'Hello!', ...greedy });
    expect(text.length).toBeGreaterThan(3);
    expect(paths).toEqual(['/v1/responses']);
  });

  it(`generateText executes get_weather over two steps and answers with its result (${cityA})`, async () => {
    const executed: unknown[] = [];
    const { text, steps } = await generateText({
      model: openai(tinyModelId), tools: { get_weather: weatherTool(executed) }, stopWhen: stepCountIs(4), prompt: `What's the weather in ${cityA}?`, ...greedy,
    });
    expect(executed).toEqual([{ city: cityA }]);
    expect(steps).toHaveLength(2);
    const weather = weatherFor(cityA);
    for (const part of [`${weather.temperature_c}°C`, weather.condition, cityA]) expect(text).toContain(part);
  });

  it('streamText: the streamed text is the final text', async () => {
    const result = streamText({ model: openai(tinyModelId), prompt: 'Hello!', ...greedy });
    let streamed = '';
    for await (const part of result.textStream) streamed += part;
    expect(streamed.length).toBeGreaterThan(3);
    expect(streamed).toBe(await result.text);
  });
});
