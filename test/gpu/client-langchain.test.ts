/**
 * LangChain.js (`ChatOpenAI` from @langchain/openai, `createAgent` from langchain v1) driving
 * `engine.fetch` on the demo model (tiny-tool-qwen), greedy, each flow as LangChain's docs write it:
 * - the tool execution loop (https://docs.langchain.com/oss/javascript/langchain/models#tool-calling):
 *   `model.bindTools(tools).invoke(messages)`, then `tool.invoke(toolCall)` for each call, whose
 *   ToolMessage (carrying the tool's `name`) goes back with the AIMessage for the final answer;
 * - the agent loop (https://docs.langchain.com/oss/javascript/langchain/agents): `createAgent({ model,
 *   tools })` and `agent.invoke({ messages })` until the model answers;
 * - `model.stream()` with usage in the last chunk (https://docs.langchain.com/oss/javascript/langchain/models#stream).
 * Tools carry the model's own definitions (tools.json's JSON schemas, which `tool()` accepts), so the
 * prompt is the one it was trained on. Expectations come from the inputs: the city copied into the
 * call, and the tool result's values in the answer.
 */
import { AIMessage, type AIMessageChunk, type BaseMessage, type BaseMessageLike, type UsageMetadata } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import type { JSONSchema } from '@langchain/core/utils/json_schema';
import { ChatOpenAI } from '@langchain/openai';
import { createAgent } from 'langchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseURL, heldoutCities, openTinyModel, timeFor, tinyModelId, tinyTool, weatherFor, type TinyModelServer } from '../support/tiny-model-clients.ts';

const [cityA, cityB] = heldoutCities(2, 6) as [string, string];

let server: TinyModelServer;
let model: ChatOpenAI;

beforeAll(async () => {
  server = await openTinyModel();
  model = new ChatOpenAI({ model: tinyModelId, apiKey: 'unused', temperature: 0, maxTokens: 48, maxRetries: 0, configuration: { baseURL, fetch: server.fetch } });
});
afterAll(async () => {
  await server?.engine.dispose();
});

/** The four tools of tools.json in their order, returning JSON text as the model was trained on; `executed` records each call. */
function tinyTools(executed: Array<Record<string, unknown>>) {
  const define = (name: string, run: (args: Record<string, string>) => unknown) => {
    const { description = '', parameters } = tinyTool(name);
    return tool(async (args) => {
      executed.push({ [name]: args });
      return JSON.stringify(run(args as Record<string, string>));
    }, { name, description, schema: parameters as JSONSchema });
  };
  return [
    define('get_weather', ({ city }) => weatherFor(city!)),
    define('get_time', ({ city }) => timeFor(city!)),
    define('calculate', () => ({ error: 'not used here' })),
    define('set_theme', () => ({ error: 'not used here' })),
  ];
}

const text = (message: BaseMessage | undefined) => (typeof message?.content === 'string' ? message.content : JSON.stringify(message?.content));

describe('LangChain.js ChatOpenAI over engine.fetch (tiny-tool-qwen)', () => {
  it(`bindTools + invoke, tool.invoke(toolCall) gives a ToolMessage, and the loop ends with the result (${cityA})`, async () => {
    const mark = server.requests.length;
    const executed: Array<Record<string, unknown>> = [];
    const tools = tinyTools(executed);
    const toolsByName = Object.fromEntries(tools.map((t) => [t.name, t]));
    const modelWithTools = model.bindTools(tools);
    const messages: BaseMessageLike[] = [{ role: 'user', content: `What's the weather in ${cityA}?` }];
    const aiMessage = await modelWithTools.invoke(messages);
    messages.push(aiMessage);
    expect(aiMessage.tool_calls?.map((call) => ({ name: call.name, args: call.args }))).toEqual([{ name: 'get_weather', args: { city: cityA } }]);
    for (const toolCall of aiMessage.tool_calls ?? []) {
      const toolMessage = await toolsByName[toolCall.name]!.invoke(toolCall);
      expect(toolMessage).toMatchObject({ name: toolCall.name, tool_call_id: toolCall.id });
      messages.push(toolMessage);
    }
    expect(executed).toEqual([{ get_weather: { city: cityA } }]);
    const finalResponse = await modelWithTools.invoke(messages);
    const weather = weatherFor(cityA);
    expect(text(finalResponse)).toContain(`${weather.temperature_c}°C`);
    expect(text(finalResponse)).toContain(weather.condition);
    expect(text(finalResponse)).toContain(cityA);
    // What LangChain put on the wire for the second call: the tool message with the tool's name.
    const history = server.chatBodies(mark)[1]!['messages'] as Array<Record<string, unknown>>;
    expect(history.map((message) => message['role'])).toEqual(['user', 'assistant', 'tool']);
    expect(history[2]).toMatchObject({ name: 'get_weather', content: JSON.stringify(weather) });
  });

  it(`createAgent runs the tool and finishes with a final answer (${cityB})`, async () => {
    const executed: Array<Record<string, unknown>> = [];
    const agent = createAgent({ model, tools: tinyTools(executed) });
    const result = await agent.invoke({ messages: [{ role: 'user', content: `What time is it in ${cityB}?` }] });
    expect(executed).toEqual([{ get_time: { city: cityB } }]);
    expect(result.messages.map((message) => message.type)).toEqual(['human', 'ai', 'tool', 'ai']);
    const last = result.messages.at(-1)!;
    expect(AIMessage.isInstance(last)).toBe(true);
    expect((last as AIMessage).tool_calls ?? []).toEqual([]);
    const { time } = timeFor(cityB);
    expect(text(last)).toContain(time);
    expect(text(last)).toContain(cityB);
  });

  it('stream() yields chunks that add up to a reply, with usage', async () => {
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model.stream('Hello!')) chunks.push(chunk);
    const full = chunks.reduce((sum, chunk) => sum.concat(chunk));
    expect(text(full).trim().length).toBeGreaterThan(3);
    // (@langchain/core 1.4 types usage_metadata on a concatenated chunk as never; it is UsageMetadata.)
    const usage = full.usage_metadata as UsageMetadata | undefined;
    expect(usage?.output_tokens).toBeGreaterThan(0);
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
  });
});
