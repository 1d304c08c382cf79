/**
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai-compatible`, the provider its docs name for
 * OpenAI-compatible servers such as vLLM: https://ai-sdk.dev/providers/openai-compatible-providers)
 * driving `engine.fetch` on the demo model (tiny-tool-qwen), greedy, each flow as the SDK's docs
 * write it:
 * - generateText with tools that `execute` over several steps (`stopWhen: stepCountIs(n)`,
 *   https://ai-sdk.dev/docs/ai-sdk-core/tools-and-tool-calling#multi-step-calls-using-stopwhen);
 * - streamText with the same tools, its textStream read to the end
 *   (https://ai-sdk.dev/docs/ai-sdk-core/generating-text#streamtext);
 * - generateObject with a zod schema, and its successor in AI SDK 6, generateText with
 *   `output: Output.object(...)` (https://ai-sdk.dev/docs/ai-sdk-core/generating-structured-data).
 * Tools use the model's own definitions (tools.json) through `jsonSchema`, so the prompt is the one
 * it was trained on. Expectations come from the inputs: the city copied into the call, and the
 * tool result's values in the answer.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, generateText, jsonSchema, Output, stepCountIs, streamText, tool, type JSONSchema7 } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseURL, heldoutCities, openTinyModel, timeFor, tinyModelId, tinyTool, weatherFor, type TinyModelServer } from '../support/tiny-model-clients.ts';

const [cityA, cityB] = heldoutCities(2, 4) as [string, string];

let server: TinyModelServer;
let provider: ReturnType<typeof createOpenAICompatible>;

beforeAll(async () => {
  server = await openTinyModel();
  // As the provider docs show it, with our fetch; vLLM-style servers enforce json_schema, hence structured outputs.
  provider = createOpenAICompatible({ name: 'tiny', baseURL, apiKey: 'unused', fetch: server.fetch, includeUsage: true, supportsStructuredOutputs: true });
});
afterAll(async () => {
  await server?.engine.dispose();
});

/** The four tools of tools.json in their order; `executed` records every call the SDK ran. */
function tinyTools(executed: Array<Record<string, unknown>>) {
  const define = <A extends Record<string, string>>(name: string, execute: (args: A) => unknown) => {
    const { description = '', parameters } = tinyTool(name);
    return tool({
      description,
      inputSchema: jsonSchema<A>(parameters as JSONSchema7),
      execute: async (args: A) => {
        executed.push({ [name]: args });
        return execute(args);
      },
    });
  };
  return {
    get_weather: define<{ city: string }>('get_weather', ({ city }) => weatherFor(city)),
    get_time: define<{ city: string }>('get_time', ({ city }) => timeFor(city)),
    calculate: define<{ expression: string }>('calculate', () => ({ error: 'not used here' })),
    set_theme: define<{ theme: string }>('set_theme', () => ({ error: 'not used here' })),
  };
}

const greedy = { temperature: 0, maxOutputTokens: 48 } as const;

describe('AI SDK (openai-compatible provider) over engine.fetch (tiny-tool-qwen)', () => {
  it(`generateText runs the tool over several steps and answers with its result (${cityA})`, async () => {
    const executed: Array<Record<string, unknown>> = [];
    const { text, steps } = await generateText({
      model: provider(tinyModelId),
      tools: tinyTools(executed),
      stopWhen: stepCountIs(5),
      prompt: `What's the weather in ${cityA}?`,
      ...greedy,
    });
    expect(executed).toEqual([{ get_weather: { city: cityA } }]);
    expect(steps).toHaveLength(2);
    expect(steps[0]!.toolCalls.map((call) => ({ name: call.toolName, input: call.input }))).toEqual([{ name: 'get_weather', input: { city: cityA } }]);
    expect(steps[0]!.toolResults.map((result) => result.output)).toEqual([weatherFor(cityA)]);
    const weather = weatherFor(cityA);
    expect(text).toContain(`${weather.temperature_c}°C`);
    expect(text).toContain(weather.condition);
    expect(text).toContain(cityA);
    expect(steps[1]!.finishReason).toBe('stop');
  });

  it(`streamText runs the tool and the streamed text is the final text (${cityB})`, async () => {
    const executed: Array<Record<string, unknown>> = [];
    const result = streamText({
      model: provider(tinyModelId),
      tools: tinyTools(executed),
      stopWhen: stepCountIs(5),
      prompt: `What time is it in ${cityB}?`,
      ...greedy,
    });
    let streamed = '';
    for await (const textPart of result.textStream) streamed += textPart;
    const text = await result.text;
    const steps = await result.steps;
    expect(executed).toEqual([{ get_time: { city: cityB } }]);
    expect(steps).toHaveLength(2);
    expect(streamed).toBe(text);
    const { time } = timeFor(cityB);
    expect(text).toContain(time);
    expect(text).toContain(cityB);
    expect((await result.totalUsage).outputTokens).toBeGreaterThan(0);
  });

  it('generateObject and generateText with Output.object return an object the schema allows', async () => {
    // The shape of the set_theme call the model was trained to write. generateObject sends no
    // tools, and the tiny model, held to a JSON shape without its tools block, picks either theme;
    // generateText sends them, and the model copies the theme asked for.
    const schema = z.object({ name: z.literal('set_theme'), arguments: z.object({ theme: z.enum(['light', 'dark']) }) });
    const { object } = await generateObject({ model: provider(tinyModelId), schema, prompt: 'Switch to dark mode', ...greedy });
    expect(schema.parse(object)).toEqual(object);
    expect(server.chatBodies().at(-1)!['response_format']).toMatchObject({ type: 'json_schema' });

    for (const theme of ['dark', 'light'] as const) {
      const { output } = await generateText({
        model: provider(tinyModelId), tools: tinyTools([]), output: Output.object({ schema }), prompt: `Switch to ${theme} mode`, ...greedy,
      });
      expect(schema.parse(output)).toEqual(output);
      expect(output.arguments.theme).toBe(theme);
      const sent = server.chatBodies().at(-1)!;
      expect(sent['response_format']).toMatchObject({ type: 'json_schema' });
      expect(sent['tools']).toHaveLength(4);
    }
  });
});
