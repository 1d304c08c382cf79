/**
 * A page's own tool-call parser, registered by name and picked with createEngine({ toolCallParser }),
 * used end to end on the demo's tiny tool model: chat.completions.create (whole and streamed)
 * returns the calls it parsed (its own ids show it ran), runTools executes them and finishes, a
 * parser that throws leaves the output as content and the engine serving, a parser without a
 * call format cannot be forced to call, and an unknown name is refused before anything loads.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatCompletionTool } from '../../src/chat/chat-types.ts';
import { createEngine } from '../../src/api/create-engine.ts';
import { parseToolCalls } from '../../src/chat/hermes-tool-parser.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import type { RunnableTool } from '../../src/tools/tool-runner.ts';
import type { ToolCallParser, ToolParserContext } from '../../src/chat/tool-parser.ts';
import { registerToolCallParser, unregisterToolCallParser } from '../../src/chat/tool-parser-registry.ts';
import type { StreamDelta } from '../../src/chat/types.ts';
import { isLlmError } from '../../src/errors.ts';

const folder = fileURLToPath(new URL('../../public/models/tiny-tool-qwen/', import.meta.url));
const strictTools = JSON.parse(readFileSync(`${folder}tools.json`, 'utf-8')) as ChatCompletionTool[];
// strict: true needs the format's grammar, which a parser without a format has not (tested below).
const tools = strictTools.map((tool) => (tool.type === 'function' ? { ...tool, function: { ...tool.function, strict: false } } : tool));

/**
 * The page's parser: reads the calls the model writes (`<tool_call>` JSON blocks, found with the
 * exported hermes parse), but streams nothing until the output ends and names its calls `page-N`.
 */
const contexts: ToolParserContext[] = [];
function pageParser(context: ToolParserContext): ToolCallParser {
  contexts.push(context);
  const parse = (text: string) => {
    const parsed = parseToolCalls(text);
    return { content: parsed.content, toolCalls: parsed.toolCalls.map((call, index) => ({ ...call, id: `page-${index + 1}` })) };
  };
  return {
    parse,
    stream() {
      let text = '';
      return {
        push(piece: string): StreamDelta[] {
          text += piece;
          return [];
        },
        finish(): StreamDelta[] {
          const { content, toolCalls } = parse(text);
          const deltas: StreamDelta[] = content === null ? [] : [{ content }];
          toolCalls.forEach((call, index) => deltas.push({ tool_calls: [{ index, id: call.id, type: 'function', function: call.function }] }));
          return deltas;
        },
      };
    },
  };
}

const broken = (): ToolCallParser => ({
  parse: () => { throw new Error('parse is broken'); },
  stream: () => ({ push: () => { throw new Error('push is broken'); }, finish: () => [] }),
});

let engine: LlmEngine;
let brokenEngine: LlmEngine;

beforeAll(async () => {
  registerToolCallParser('page-calls', pageParser);
  registerToolCallParser('page-broken', broken);
  engine = await createEngine({ model: folder, worker: false, toolCallParser: 'page-calls' });
  brokenEngine = await createEngine({ model: folder, worker: false, toolCallParser: 'page-broken' });
  console.log(`[custom-tool-parser] on ${engine.info.adapterName}`);
});
afterAll(async () => {
  await engine?.dispose();
  await brokenEngine?.dispose();
  unregisterToolCallParser('page-calls');
  unregisterToolCallParser('page-broken');
});

const question = { model: 'tiny', messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }], tools, temperature: 0, max_tokens: 64 };

describe('a registered tool-call parser', () => {
  it('is the one the engine reports and uses, with the request\'s tools in its context', async () => {
    expect(engine.info.toolCallParser).toBe('page-calls');
    contexts.length = 0;
    const reply = await engine.chat.completions.create(question);
    const message = reply.choices[0]!.message;
    expect(message.tool_calls?.map((call) => call.id)).toEqual(['page-1']);
    expect(message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse((message.tool_calls![0] as { function: { arguments: string } }).function.arguments)).toEqual({ city: 'Paris' });
    expect(reply.choices[0]!.finish_reason).toBe('tool_calls');
    expect(contexts.at(-1)?.tools.map((tool) => tool.function.name).sort()).toEqual(tools.map((tool) => (tool as { function: { name: string } }).function.name).sort());
  });

  it('streams what its stream parser emits', async () => {
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await engine.chat.completions.create({ ...question, stream: true })) chunks.push(chunk);
    const calls = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(calls.map((call) => call.id)).toEqual(['page-1']);
    expect(calls[0]?.function?.name).toBe('get_weather');
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter(Boolean)).toEqual(['tool_calls']);
  });

  it('runTools runs the calls it parsed and ends with an answer', async () => {
    const seen: unknown[] = [];
    const runnable = tools.map((tool): RunnableTool => ({
      ...(tool as Omit<RunnableTool, 'run'>),
      run: (args: unknown) => {
        seen.push(args);
        return { city: 'Paris', temperature_c: 19, condition: 'sunny' };
      },
    }));
    const result = await engine.runTools({ ...question, tools: runnable }).done();
    expect(seen).toEqual([{ city: 'Paris' }]);
    expect(result.rounds).toBe(2);
    expect(result.finalContent).toContain('19');
    const assistant = result.messages.find((message) => message.role === 'assistant' && 'tool_calls' in message && message.tool_calls !== undefined);
    expect((assistant as { tool_calls: { id: string }[] }).tool_calls[0]!.id).toBe('page-1');
  });

  it('a parser that throws leaves the output as content, and the engine keeps serving', async () => {
    const warn = console.warn;
    console.warn = () => {};
    try {
      const whole = await brokenEngine.chat.completions.create(question);
      expect(whole.choices[0]!.message.tool_calls ?? []).toEqual([]);
      expect(whole.choices[0]!.message.content).toContain('<tool_call>');
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of await brokenEngine.chat.completions.create({ ...question, stream: true })) chunks.push(chunk);
      const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
      expect(content).toBe(whole.choices[0]!.message.content);
    } finally {
      console.warn = warn;
    }
    const after = await engine.chat.completions.create(question);
    expect(after.choices[0]!.message.tool_calls).toHaveLength(1);
  });

  it('without a call format it cannot be forced to call (tool_choice "required") nor hold strict tools', async () => {
    const forced = await engine.chat.completions.create({ ...question, tool_choice: 'required' }).catch((caught: unknown) => caught);
    expect(isLlmError(forced) && forced.code).toBe('unsupported_option');
    expect(isLlmError(forced) && forced.param).toBe('tool_choice');
    expect((forced as Error).message).toContain('page-calls');
    const strict = await engine.chat.completions.create({ ...question, tools: strictTools }).catch((caught: unknown) => caught);
    expect(isLlmError(strict) && strict.code).toBe('unsupported_option');
    expect(isLlmError(strict) && strict.param).toBe('tools');
  });

  it('an unknown parser name is refused before the model loads', async () => {
    const error = await createEngine({ model: folder, worker: false, toolCallParser: 'no-such-parser' }).catch((caught: unknown) => caught);
    expect(isLlmError(error) && error.code).toBe('invalid_argument');
    expect((error as Error).message).toMatch(/unknown tool-call parser "no-such-parser".*hermes.*page-calls/);
  });
});
