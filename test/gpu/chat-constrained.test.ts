/**
 * tool_choice "required" / named and response_format json_schema / json_object through the chat
 * API on a random-weight fixture: whatever the weights, the token mask makes the output parse and
 * validate (checked with ajv, independent of XGrammar). Also runTools end to end on the engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { loadFixtureEngine } from '../support/fixture-engine.ts';
import type { ChatCompletionCreateParamsNonStreaming } from '../../src/chat/chat-types.ts';
import { isLlmError } from '../../src/errors.ts';
import { collectStream } from '../support/chat-stream.ts';
import { recordSchema, schemaErrors, searchTool, weatherTool } from '../support/constraint-cases.ts';

let engine: LlmEngine;

beforeAll(async () => {
  engine = await loadFixtureEngine('qwen2-bf16', { maxModelLen: 2048 });
});
afterAll(async () => engine?.dispose());

const tools = [weatherTool, searchTool].map((tool) => ({ type: 'function' as const, function: { name: tool.name, parameters: tool.parameters } }));
const schemaOf = (name: string) => [weatherTool, searchTool].find((tool) => tool.name === name)!.parameters;
const base = (extra: Partial<ChatCompletionCreateParamsNonStreaming>): ChatCompletionCreateParamsNonStreaming =>
  ({ model: 'fixture', messages: [{ role: 'user', content: 'Weather in Oslo, and search for cats.' }], max_tokens: 400, ...extra });
const samplings = [{ temperature: 0 }, { temperature: 1, seed: 1 }, { temperature: 1, seed: 2 }, { temperature: 1.2, seed: 3 }];

function expectValidCalls(calls: { function: { name: string; arguments: string } }[] | undefined): void {
  expect(calls?.length).toBeGreaterThan(0);
  for (const call of calls!) {
    expect(['get_weather', 'search']).toContain(call.function.name);
    expect(schemaErrors(schemaOf(call.function.name), JSON.parse(call.function.arguments))).toBeUndefined();
  }
}

describe('constrained chat on a random-weight model', () => {
  it('tool_choice "required" always returns valid calls, streamed alike', async () => {
    for (const sampling of samplings) {
      const reply = await engine.chat.completions.create(base({ tools, tool_choice: 'required', ...sampling }));
      const choice = reply.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      expectValidCalls(choice.message.tool_calls as { function: { name: string; arguments: string } }[]);
      for (const call of choice.message.tool_calls!) expect(call.id).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);
    }
    const whole = await engine.chat.completions.create(base({ tools, tool_choice: 'required', temperature: 0 }));
    const streamed = await collectStream(await engine.chat.completions.create({ ...base({ tools, tool_choice: 'required', temperature: 0 }), stream: true }));
    expect(streamed.choices[0]!.finish_reason).toBe('tool_calls');
    expect(streamed.choices[0]!.tool_calls.map(({ name, arguments: args }) => ({ name, arguments: args })))
      .toEqual(whole.choices[0]!.message.tool_calls!.map((call) => ({ name: (call as { function: { name: string } }).function.name, arguments: (call as { function: { arguments: string } }).function.arguments })));
  });

  it('parallel_tool_calls: false gives exactly one call', async () => {
    for (const sampling of samplings.slice(0, 2)) {
      const reply = await engine.chat.completions.create(base({ tools, tool_choice: 'required', parallel_tool_calls: false, ...sampling }));
      expect(reply.choices[0]!.message.tool_calls).toHaveLength(1);
      expectValidCalls(reply.choices[0]!.message.tool_calls as { function: { name: string; arguments: string } }[]);
    }
  });

  it('a named tool_choice returns that tool with arguments matching its schema', async () => {
    for (const sampling of samplings) {
      const reply = await engine.chat.completions.create(base({ tools, tool_choice: { type: 'function', function: { name: 'search' } }, ...sampling }));
      const choice = reply.choices[0]!;
      expect(choice.finish_reason).toBe('stop');
      const calls = choice.message.tool_calls as { function: { name: string; arguments: string } }[];
      expect(calls.map((call) => call.function.name)).toEqual(['search']);
      expect(schemaErrors(searchTool.parameters, JSON.parse(calls[0]!.function.arguments))).toBeUndefined();
    }
  });

  it('response_format json_schema and json_object produce parsing, validating content', async () => {
    for (const sampling of samplings) {
      const reply = await engine.chat.completions.create(base({ response_format: { type: 'json_schema', json_schema: { name: 'record', schema: recordSchema as unknown as Record<string, unknown> } }, ...sampling }));
      expect(reply.choices[0]!.finish_reason).toBe('stop');
      expect(schemaErrors(recordSchema, JSON.parse(reply.choices[0]!.message.content!))).toBeUndefined();
    }
    const object = await engine.chat.completions.create(base({ response_format: { type: 'json_object' }, temperature: 1, seed: 5, max_tokens: 600 }));
    if (object.choices[0]!.finish_reason === 'stop') {
      const value: unknown = JSON.parse(object.choices[0]!.message.content!);
      expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
    } else {
      // Cut at max_tokens: still a prefix of an object.
      expect(object.choices[0]!.message.content!.trimStart().startsWith('{')).toBe(true);
    }
  });

  it('a schema the grammar compiler rejects is a typed error; the engine keeps serving', async () => {
    const running = engine.chat.completions.create(base({ temperature: 0, max_tokens: 6 }));
    const error = await engine.chat.completions.create(base({ response_format: { type: 'json_schema', json_schema: { name: 'bad', schema: { type: 'no-such-type' } } } })).catch((e: unknown) => e);
    expect(isLlmError(error, 'invalid_argument')).toBe(true);
    expect((error as { subject: string }).subject).toBe('response_format');
    await expect(engine.chat.completions.create(base({ tools, tool_choice: 'required', response_format: { type: 'json_object' } }))).rejects.toMatchObject({ code: 'invalid_argument', subject: 'response_format' });
    expect((await running).usage!.completion_tokens).toBe(6);
  });

  it('runTools runs the page\'s function with schema-valid arguments and feeds the result back', async () => {
    const seen: unknown[] = [];
    const run = engine.runTools({
      ...base({ temperature: 0, max_tokens: 200 }),
      tool_choice: 'required', // forced on the first round only
      maxRounds: 3,
      tools: [{
        type: 'function',
        function: { name: weatherTool.name, parameters: weatherTool.parameters },
        run: (args: unknown) => {
          seen.push(args);
          return { temperature_c: 21 };
        },
      }],
    });
    const events: string[] = [];
    run.on('tool_call', () => events.push('call'));
    run.on('tool_result', (event) => events.push(event.ok ? 'result' : 'error'));
    const result = await run.done();
    expect(seen.length).toBeGreaterThan(0);
    for (const args of seen) expect(schemaErrors(weatherTool.parameters, args)).toBeUndefined();
    const toolMessages = result.messages.filter((m) => m.role === 'tool');
    expect(toolMessages.length).toBe(seen.length);
    expect(toolMessages[0]!.content).toBe('{"temperature_c":21}');
    expect(events.slice(0, 2)).toEqual(['call', 'result']);
    expect(result.rounds).toBeGreaterThanOrEqual(2);
  });
});

describe('constrained output on a thinking template (qwen3-f32)', () => {
  it('closes the think block in the prompt, so the constrained output is content', async () => {
    const qwen3 = await loadFixtureEngine('qwen3-f32', { maxModelLen: 1024 });
    try {
      const format = { type: 'json_schema' as const, json_schema: { name: 'record', schema: recordSchema as unknown as Record<string, unknown> } };
      const plain = await qwen3.chat.completions.create(base({ temperature: 0, max_tokens: 4 }));
      const reply = await qwen3.chat.completions.create(base({ temperature: 0, response_format: format }));
      const message = reply.choices[0]!.message as { content: string | null; reasoning_content?: string | null };
      expect(message.reasoning_content).toBeNull();
      expect(schemaErrors(recordSchema, JSON.parse(message.content!))).toBeUndefined();
      // `<think>\n\n</think>\n\n` was added to the prompt.
      expect(reply.usage!.prompt_tokens).toBeGreaterThan(plain.usage!.prompt_tokens);
      const error = await qwen3.chat.completions.create(base({ tool_choice: { type: 'function', function: { name: 'search' } }, tools: [{ type: 'function', function: { name: 'search', parameters: { type: 'bogus' } } }] })).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'invalid_argument', subject: 'tools' });
    } finally {
      await qwen3.dispose();
    }
  });
});
