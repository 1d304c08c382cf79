/**
 * The official `openai` SDK driving `engine.fetch` on the demo model (tiny-tool-qwen), each flow
 * written the way OpenAI's own docs write it, greedy:
 * - the cookbook's tool loop (https://cookbook.openai.com/examples/how_to_call_functions_with_chat_models):
 *   the returned `choices[0].message` pushed back unchanged, then `{role: 'tool', tool_call_id, name, content}`;
 * - `chat.completions.runTools`, `chat.completions.stream` and `chat.completions.parse` with
 *   `zodResponseFormat` / `zodFunction`, from the SDK's helpers guide
 *   (https://github.com/openai/openai-node/blob/master/helpers.md);
 * - a `developer` message (OpenAI's name for the system role on newer models), which must act as `system`.
 * Expectations come from the inputs: the city copied from the question into the call, and the tool
 * result's values in the answer (the model says "It is <t>°C and <condition> in <city>.").
 */
import OpenAI from 'openai';
import { zodFunction, zodResponseFormat } from 'openai/helpers/zod';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { RunnableToolFunctionWithParse } from 'openai/lib/RunnableFunction';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseURL, heldoutCities, openTinyModel, timeFor, tinyModelId, tinyModelTools, tinyTool, weatherFor, type TinyModelServer } from '../support/tiny-model-clients.ts';

const [cityA, cityB, cityC, cityD] = heldoutCities(4) as [string, string, string, string];
const greedy = { model: tinyModelId, temperature: 0, max_tokens: 48 } as const;

let server: TinyModelServer;
let client: OpenAI;

beforeAll(async () => {
  server = await openTinyModel();
  client = new OpenAI({ baseURL, apiKey: 'unused', fetch: server.fetch, maxRetries: 0 });
});
afterAll(async () => {
  await server?.engine.dispose();
});

describe('openai SDK over engine.fetch (tiny-tool-qwen)', () => {
  it(`runs the cookbook tool loop: the returned message pushed back unchanged, a tool message with name (${cityA})`, async () => {
    const mark = server.requests.length;
    const tools: ChatCompletionTool[] = tinyModelTools;
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: `What's the weather in ${cityA}?` }];
    const response = await client.chat.completions.create({ ...greedy, messages, tools, tool_choice: 'auto' });
    const responseMessage = response.choices[0]!.message;
    messages.push(responseMessage);
    const ran: Array<{ name: string; args: unknown }> = [];
    for (const toolCall of responseMessage.tool_calls ?? []) {
      if (toolCall.type !== 'function') continue;
      const args = JSON.parse(toolCall.function.arguments) as { city: string };
      ran.push({ name: toolCall.function.name, args });
      // As the cookbook writes it: `name` beside tool_call_id (OpenAI accepts it; the SDK's type omits it).
      const toolMessage = { role: 'tool' as const, tool_call_id: toolCall.id, name: toolCall.function.name, content: JSON.stringify(weatherFor(args.city)) };
      messages.push(toolMessage);
    }
    expect(ran).toEqual([{ name: 'get_weather', args: { city: cityA } }]);
    expect(response.choices[0]!.finish_reason).toBe('tool_calls');

    const final = await client.chat.completions.create({ ...greedy, messages, tools });
    const answer = final.choices[0]!.message.content ?? '';
    const weather = weatherFor(cityA);
    expect(answer).toContain(`${weather.temperature_c}°C`);
    expect(answer).toContain(weather.condition);
    expect(answer).toContain(cityA);
    expect(final.choices[0]!.finish_reason).toBe('stop');

    // On the wire: the assistant message went back exactly as the engine returned it, the tool message with its name.
    const sent = server.chatBodies(mark);
    expect(sent).toHaveLength(2);
    const history = sent[1]!['messages'] as unknown[];
    expect(history[1]).toEqual(JSON.parse(JSON.stringify(responseMessage)));
    expect(history[2]).toMatchObject({ role: 'tool', tool_call_id: responseMessage.tool_calls![0]!.id, name: 'get_weather' });
  });

  it(`runTools calls the page's function and the final content carries its result (${cityB})`, async () => {
    const calls: unknown[] = [];
    const runnable = (name: string, run: (args: { city: string }) => unknown): RunnableToolFunctionWithParse<{ city: string }> => {
      const { description = '', parameters } = tinyTool(name);
      return { type: 'function', function: { name, description, parameters, function: run, parse: JSON.parse } };
    };
    const runner = client.chat.completions.runTools({
      ...greedy,
      messages: [{ role: 'user', content: `What time is it in ${cityB}?` }],
      tools: [
        runnable('get_weather', (args) => { calls.push({ get_weather: args }); return weatherFor(args.city); }),
        runnable('get_time', (args) => { calls.push({ get_time: args }); return timeFor(args.city); }),
        runnable('calculate', (args) => { calls.push({ calculate: args }); return { error: 'not used here' }; }),
        runnable('set_theme', (args) => { calls.push({ set_theme: args }); return { error: 'not used here' }; }),
      ],
    });
    const finalContent = await runner.finalContent();
    expect(calls).toEqual([{ get_time: { city: cityB } }]);
    const { time } = timeFor(cityB);
    expect(finalContent).toContain(time);
    expect(finalContent).toContain(cityB);
    expect(runner.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('stream(): content events add up to finalChatCompletion, and a streamed tool call arrives whole', async () => {
    const stream = client.chat.completions.stream({ ...greedy, messages: [{ role: 'user', content: 'Hello!' }] });
    let deltas = '';
    let done: string | undefined;
    stream.on('content.delta', ({ delta }) => { deltas += delta; });
    stream.on('content.done', ({ content }) => { done = content; });
    const completion = await stream.finalChatCompletion();
    const content = completion.choices[0]!.message.content ?? '';
    expect(content.trim().length).toBeGreaterThan(3);
    expect(deltas).toBe(content);
    expect(done).toBe(content);
    expect(completion.choices[0]!.finish_reason).toBe('stop');

    const toolStream = client.chat.completions.stream({ ...greedy, messages: [{ role: 'user', content: `What time is it in ${cityC}?` }], tools: tinyModelTools });
    const finished: Array<{ name: string; arguments: string }> = [];
    toolStream.on('tool_calls.function.arguments.done', (event) => { finished.push({ name: event.name, arguments: event.arguments }); });
    const toolCompletion = await toolStream.finalChatCompletion();
    expect(finished.map((call) => ({ name: call.name, args: JSON.parse(call.arguments) as unknown }))).toEqual([{ name: 'get_time', args: { city: cityC } }]);
    const calls = toolCompletion.choices[0]!.message.tool_calls ?? [];
    expect(calls.map((call) => call.type === 'function' ? call.function.arguments : undefined)).toEqual(finished.map((call) => call.arguments));
    expect(toolCompletion.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('parse() with zodResponseFormat returns the parsed object the schema allows', async () => {
    // The shape of the set_theme call the model was trained to write, with its tools in the
    // prompt: the value is the model's own choice (without the tools block the tiny model,
    // held to a JSON shape it never saw, picks either theme).
    const ThemeCall = z.object({ name: z.literal('set_theme'), arguments: z.object({ theme: z.enum(['light', 'dark']) }) });
    for (const theme of ['dark', 'light'] as const) {
      const completion = await client.chat.completions.parse({
        ...greedy,
        messages: [{ role: 'user', content: `Switch to ${theme} mode` }],
        tools: tinyModelTools,
        response_format: zodResponseFormat(ThemeCall, 'theme_call'),
      });
      const message = completion.choices[0]!.message;
      expect(message.parsed).not.toBeNull();
      expect(ThemeCall.parse(message.parsed)).toEqual(message.parsed);
      expect(JSON.parse(message.content ?? '')).toEqual(message.parsed);
      expect(message.parsed!.arguments.theme).toBe(theme);
    }
  });

  it(`parse() with a zodFunction tool returns the call's parsed_arguments (${cityD})`, async () => {
    const weather = tinyTool('get_weather');
    const completion = await client.chat.completions.parse({
      ...greedy,
      messages: [{ role: 'user', content: `What's the weather in ${cityD}?` }],
      tools: [zodFunction({ name: 'get_weather', description: weather.description ?? '', parameters: z.object({ city: z.string().describe('The city name, e.g. Paris') }) })],
    });
    const calls = completion.choices[0]!.message.tool_calls ?? [];
    expect(calls.map((call) => ({ name: call.function.name, args: call.function.parsed_arguments }))).toEqual([{ name: 'get_weather', args: { city: cityD } }]);
  });

  it('a developer message is the system message', async () => {
    const mark = server.requests.length;
    const ask = (role: 'developer' | 'system') => client.chat.completions.create({
      ...greedy,
      messages: [{ role, content: 'You are a helpful assistant.' }, { role: 'user', content: 'Good morning' }],
    });
    const developer = await ask('developer');
    const system = await ask('system');
    expect(server.chatBodies(mark).map((body) => (body['messages'] as Array<{ role: string }>)[0]!.role)).toEqual(['developer', 'system']);
    expect(developer.choices[0]!.message.content?.trim().length ?? 0).toBeGreaterThan(3);
    expect(developer.choices[0]!.message).toEqual(system.choices[0]!.message);
    expect(developer.usage?.prompt_tokens).toBe(system.usage?.prompt_tokens);
  });
});
