/**
 * Forced tool calls in each family's own format, end to end on the random-weight fixtures with
 * their real templates: the Llama 3.2 fixture (its Llama 3.1 JSON template → llama3_json, and with
 * vLLM's pythonic template given as chatTemplate → pythonic) and the Mistral fixture (v0.3 template
 * → mistral, 9-character ids). Random weights write nothing sensible on their own, so what this
 * shows is the grammar: under tool_choice "required" every reply, whole or streamed, is a call in
 * the format the template taught, which that family's parser reads back into declared tools with
 * arguments valid against their schemas; under "auto" with a strict tool, any call it opens is valid.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionTool } from '../../src/chat/chat-types.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { loadFixtureEngine } from '../support/fixture-engine.ts';

const pythonicTemplate = readFileSync(new URL('../../tools/fixtures/templates/llama3.2_pythonic.jinja', import.meta.url), 'utf8');

// Bounded values (an enum, a small integer range), so a random walk ends within max_tokens.
const weather = {
  type: 'object',
  properties: { city: { type: 'string', enum: ['Paris', 'São Paulo', 'New York'] }, days: { type: 'integer', minimum: 1, maximum: 7 } },
  required: ['city', 'days'],
  additionalProperties: false,
};
const clock = { type: 'object', properties: { utc: { type: 'boolean' } }, required: ['utc'], additionalProperties: false };
const tools: ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather forecast', parameters: weather, strict: true } },
  { type: 'function', function: { name: 'get_time', description: 'The time', parameters: clock, strict: true } },
];
const ajv = new Ajv({ strict: false });
const validators = new Map(tools.map((tool) => [(tool as { function: { name: string } }).function.name, ajv.compile((tool as { function: { parameters: object } }).function.parameters)]));

function expectValidCalls(calls: readonly { id?: string; function?: { name?: string; arguments?: string } }[], idPattern: RegExp, context: string): void {
  expect(calls.length, context).toBeGreaterThan(0);
  for (const call of calls) {
    expect(call.id, context).toMatch(idPattern);
    const validate = validators.get(call.function?.name ?? '');
    expect(validate, `${context}: unknown tool ${call.function?.name}`).toBeDefined();
    const args = JSON.parse(call.function?.arguments ?? '') as unknown;
    expect(validate!(args), `${context}: ${call.function?.arguments} ${ajv.errorsText(validate!.errors)}`).toBe(true);
  }
}

/** Folds a stream's tool-call deltas into calls. */
function streamedCalls(chunks: readonly ChatCompletionChunk[]): { id?: string; function: { name?: string; arguments: string } }[] {
  const calls: { id?: string; function: { name?: string; arguments: string } }[] = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      const call = (calls[delta.index] ??= { function: { arguments: '' } });
      if (delta.id !== undefined) call.id = delta.id;
      if (delta.function?.name !== undefined) call.function.name = delta.function.name;
      call.function.arguments += delta.function?.arguments ?? '';
    }
  }
  return calls;
}

const families = [
  { label: 'Llama 3.2, JSON template', fixture: 'llama3.2-tied', options: {}, parser: 'llama3_json', id: /^chatcmpl-tool-[0-9a-f]{32}$/ },
  { label: 'Llama 3.2, pythonic template', fixture: 'llama3.2-tied', options: { chatTemplate: pythonicTemplate }, parser: 'pythonic', id: /^chatcmpl-tool-[0-9a-f]{32}$/ },
  { label: 'Mistral v0.3', fixture: 'mistral-sliding', options: {}, parser: 'mistral', id: /^[A-Za-z0-9]{9}$/ },
] as const;

describe.each(families)('$label', ({ fixture, options, parser, id }) => {
  let engine: LlmEngine;
  beforeAll(async () => {
    engine = await loadFixtureEngine(fixture, options);
    console.log(`[family-tool-calls] ${fixture} (${parser}) on ${engine.info.adapterName}`);
  });
  afterAll(async () => {
    await engine?.dispose();
  });
  const request = { model: fixture, messages: [{ role: 'user' as const, content: 'What is the weather in Paris this week?' }], tools, max_tokens: 160 };

  it('the template picks the parser', () => {
    expect(engine.info.toolCallParser).toBe(parser);
  });

  it('tool_choice "required": every sampled reply is valid calls in the family\'s format', async () => {
    for (const seed of [1, 2, 3]) {
      const reply: ChatCompletion = await engine.chat.completions.create({ ...request, tool_choice: 'required', temperature: 1, seed });
      const choice = reply.choices[0]!;
      expect(choice.finish_reason, `seed ${seed}`).toBe('tool_calls');
      expect(choice.message.content ?? '', `seed ${seed}`).toBe('');
      expectValidCalls(choice.message.tool_calls ?? [], id, `seed ${seed}`);
    }
  });

  it('streamed, one call (parallel_tool_calls: false): the deltas fold into a valid call', async () => {
    const chunks: ChatCompletionChunk[] = [];
    const stream = await engine.chat.completions.create({ ...request, tool_choice: 'required', parallel_tool_calls: false, temperature: 1, seed: 7, stream: true });
    for await (const chunk of stream) chunks.push(chunk);
    const calls = streamedCalls(chunks);
    expect(calls).toHaveLength(1);
    expectValidCalls(calls, id, 'streamed');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('a named tool_choice calls that tool with valid arguments', async () => {
    const reply = await engine.chat.completions.create({ ...request, tool_choice: { type: 'function', function: { name: 'get_time' } }, temperature: 0 });
    const calls = reply.choices[0]!.message.tool_calls ?? [];
    expect(calls.map((call) => (call as { function: { name: string } }).function.name)).toEqual(['get_time']);
    expectValidCalls(calls, id, 'named');
  });
});
