/**
 * Hermes tool-call parsing: vLLM's whole-output cases, streaming edge cases, and a property test
 * that any split of a random output into deltas streams exactly the whole-output result (through
 * the reasoning parser first, as the chat layer does).
 */
import { describe, expect, it } from 'vitest';
import { HermesStreamParser, parseToolCalls } from '../../src/chat/hermes-tool-parser.ts';
import { parseReasoning, ReasoningStreamParser } from '../../src/chat/reasoning-parser.ts';
import type { StreamDelta } from '../../src/chat/types.ts';
import { Random } from '../support/random.ts';

const call = (name: string, args: string) => `<tool_call>\n{"name": "${name}", "arguments": ${args}}\n</tool_call>`;
const calls = (text: string) => parseToolCalls(text).toolCalls.map((c) => [c.function.name, c.function.arguments]);

interface Streamed { content: string; reasoning: string; calls: { id: string; name: string; arguments: string }[] }

/** Concatenates deltas per field, checking the OpenAI ordering rules on the way. */
function collect(deltas: readonly StreamDelta[]): Streamed {
  const out: Streamed = { content: '', reasoning: '', calls: [] };
  for (const delta of deltas) {
    if ('content' in delta) out.content += delta.content;
    else if ('reasoning_content' in delta) out.reasoning += delta.reasoning_content;
    else for (const piece of delta.tool_calls) {
      if (piece.id !== undefined) {
        expect(piece.index).toBe(out.calls.length); // call i+1 starts only after call i's header
        expect(piece.type).toBe('function');
        out.calls.push({ id: piece.id, name: piece.function.name ?? '', arguments: piece.function.arguments ?? '' });
      } else {
        expect(piece.function.name).toBeUndefined();
        const target = out.calls[piece.index];
        expect(target).toBeDefined();
        if (target) target.arguments += piece.function.arguments ?? '';
      }
    }
  }
  return out;
}

function streamTools(pieces: readonly string[]): StreamDelta[] {
  const parser = new HermesStreamParser();
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.finish()];
}

const chars = (text: string) => Array.from(text);

describe('parseToolCalls (vLLM hermes cases)', () => {
  it('plain text is content, no calls', () => {
    expect(parseToolCalls('The weather is sunny.')).toEqual({ content: 'The weather is sunny.', toolCalls: [] });
    expect(parseToolCalls('')).toEqual({ content: null, toolCalls: [] });
  });

  it('one call: content null, arguments as the model wrote them, unique ids', () => {
    const result = parseToolCalls(call('get_weather', '{"city": "Dallas", "unit": "fahrenheit"}'));
    expect(result.content).toBeNull();
    expect(result.toolCalls).toHaveLength(1);
    const [only] = result.toolCalls;
    expect(only?.type).toBe('function');
    expect(only?.id).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);
    expect(only?.function).toEqual({ name: 'get_weather', arguments: '{"city": "Dallas", "unit": "fahrenheit"}' });
    expect(JSON.parse(only?.function.arguments ?? '')).toEqual({ city: 'Dallas', unit: 'fahrenheit' });
  });

  it('parallel calls keep order; ids are unique', () => {
    const result = parseToolCalls(`${call('a', '{"x": 1}')}\n${call('b', '{"y": [1, 2]}')}`);
    expect(result.toolCalls.map((c) => [c.function.name, c.function.arguments])).toEqual([['a', '{"x": 1}'], ['b', '{"y": [1, 2]}']]);
    expect(new Set(result.toolCalls.map((c) => c.id)).size).toBe(2);
  });

  it('text before the first call is content; text between and after calls is dropped', () => {
    const result = parseToolCalls(`Let me check.\n${call('a', '{}')} middle ${call('b', '{}')} trailing`);
    expect(result.content).toBe('Let me check.\n');
    expect(result.toolCalls.map((c) => c.function.name)).toEqual(['a', 'b']);
  });

  it('a name with a bad escape is not a call, whole or streamed (no throw)', () => {
    const text = '<tool_call>\n{"name": "a\\q", "arguments": {}}\n</tool_call>';
    expect(parseToolCalls(text)).toEqual({ content: text, toolCalls: [] });
    expect(collect(streamTools(chars(text)))).toEqual({ content: text, reasoning: '', calls: [] });
  });

  it('malformed JSON in any block: no calls, the whole raw text is content', () => {
    for (const text of [
      '<tool_call>\n{"name": "a", "arguments": {"x": }}\n</tool_call>',
      `Hi ${call('a', '{}')}<tool_call>\n{name: "b"}\n</tool_call>`,
      '<tool_call>\n{"arguments": {}}\n</tool_call>', // no name
      '<tool_call>\n{"name": "a"}\n</tool_call>', // no arguments
      '<tool_call>\n{"name": 3, "arguments": {}}\n</tool_call>',
      '<tool_call>\n["a", {}]\n</tool_call>',
      '<tool_call></tool_call>',
    ]) expect(parseToolCalls(text)).toEqual({ content: text, toolCalls: [] });
  });

  it('an unclosed final tag counts when its JSON parses', () => {
    expect(calls(`${call('a', '{"x": 1}')}\n<tool_call>\n{"name": "b", "arguments": {"y": 2}}\n`))
      .toEqual([['a', '{"x": 1}'], ['b', '{"y": 2}']]);
    const cut = '<tool_call>\n{"name": "b", "arguments": {"y": 2';
    expect(parseToolCalls(cut)).toEqual({ content: cut, toolCalls: [] });
  });

  it('nested arguments, unicode, and strings holding braces or tag text', () => {
    const nested = '{"filter": {"and": [{"tag": "a"}, {"range": [1, 2.5e3]}]}, "ok": true, "none": null}';
    expect(calls(call('search', nested))).toEqual([['search', nested]]);
    const tricky = '{"s": "}{ \\" <tool_call> ", "u": "héllo 世界 😀", "e": "\\u00e9\\n"}';
    expect(calls(call('echo', tricky))).toEqual([['echo', tricky]]);
    // The closing tag inside a string ends the block early, as vLLM's regex does: malformed.
    const closing = call('echo', '{"s": "</tool_call>"}');
    expect(parseToolCalls(closing)).toEqual({ content: closing, toolCalls: [] });
  });

  it('key order and compact spacing are preserved; extra keys are ignored', () => {
    expect(calls('<tool_call>{"arguments":{"a":[1,2]},"name":"f","id":7}</tool_call>')).toEqual([['f', '{"a":[1,2]}']]);
  });
});

describe('HermesStreamParser', () => {
  it('holds back a possible tag start and never emits it as content', () => {
    const parser = new HermesStreamParser();
    expect(parser.push('Hello <tool')).toEqual([{ content: 'Hello ' }]);
    expect(parser.push('_ca')).toEqual([]);
    expect(parser.push('t!')).toEqual([{ content: '<tool_cat!' }]);
    expect(parser.push(' <')).toEqual([{ content: ' ' }]);
    expect(parser.finish()).toEqual([{ content: '<' }]);
  });

  it('header once the name is complete, then argument fragments', () => {
    const deltas = streamTools(['Hi', '<tool_call>\n{"name": "get_', 'weather", "arguments": {"ci', 'ty": "Paris"}}', '\n</tool_call>']);
    expect(deltas[0]).toEqual({ content: 'Hi' });
    const header = deltas[1];
    expect(header && 'tool_calls' in header && header.tool_calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } });
    expect(collect(deltas).calls.map((c) => c.arguments)).toEqual(['{"city": "Paris"}']);
  });

  it('arguments before name are sent after the header', () => {
    const streamed = collect(streamTools(chars('<tool_call>{"arguments": {"a": 1}, "name": "f"}</tool_call>')));
    expect(streamed.calls.map((c) => [c.name, c.arguments])).toEqual([['f', '{"a": 1}']]);
  });

  it('malformed block before any header: the whole text comes out as content', () => {
    const text = `Hi <tool_call>\n{name: "a"}\n</tool_call>${call('b', '{}')}`;
    expect(collect(streamTools(chars(text)))).toEqual({ content: text, reasoning: '', calls: [] });
  });

  it('deliberate difference: a block that breaks after its header was sent cannot be taken back', () => {
    const text = `${call('a', '{"x": 1}')}<tool_call>\n{"name": "b", "arguments": {"y": }}\n</tool_call>`;
    expect(parseToolCalls(text).toolCalls).toEqual([]);
    expect(collect(streamTools(chars(text))).calls.map((c) => c.name)).toEqual(['a', 'b']);
  });
});

// ---- property test: random outputs, random splits ----

const TEXT = ['Hello', ' world', '. ', '\n', '<', '<tool', '<tool_call', '</tool_call', '>', '{"a": 1}', '}', '"', 'é', '😀', '中文', '<think', '</think', 'think>'];
const SAFE_TEXT = TEXT.filter((piece) => !piece.includes('<tool_call') && piece !== '>');
const STRINGS = ['Paris', '}{', '"quoted"', '<tool_call>', '\\', 'tab\t', 'héllo 世界 😀', '', '</think>', '{"x": [1]}'];
const MALFORMED = ['{name: "f"}', '{"arguments": {}, "name": 5}', '["f"]', 'not json', '{"arguments": {"a": 1}}'];

function text(random: Random, pool: readonly string[], maxPieces: number): string {
  let out = '';
  for (let i = random.int(0, maxPieces); i > 0; i--) out += random.pick(pool);
  return out;
}

function jsonValue(random: Random, depth: number): unknown {
  const kind = random.int(0, depth > 0 ? 5 : 3);
  if (kind === 0) return random.pick(STRINGS);
  if (kind === 1) return random.int(-1000, 1000) / random.pick([1, 4, 100]);
  if (kind === 2) return random.pick([true, false, null]);
  if (kind === 3) return random.pick(STRINGS) + random.pick(STRINGS);
  if (kind === 4) return Array.from({ length: random.int(0, 3) }, () => jsonValue(random, depth - 1));
  return Object.fromEntries(Array.from({ length: random.int(0, 3) }, (_, i) => [`k${i}${random.pick(['', 'é', '"'])}`, jsonValue(random, depth - 1)]));
}

/** JSON text with the model's choice of spacing, so arguments must be passed through verbatim. */
function writeJson(value: unknown, random: Random, comma: string, colon: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => writeJson(v, random, comma, colon)).join(comma)}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => JSON.stringify(k) + colon + writeJson(v, random, comma, colon)).join(comma)}}`;
  }
  return random.next() < 0.2 && typeof value === 'string' ? JSON.stringify(value).replace(/é/g, '\\u00e9') : JSON.stringify(value);
}

function callBody(random: Random): string {
  const [comma, colon] = random.pick([[', ', ': '], [',', ':'], [',\n  ', ': ']] as const);
  const args = random.next() < 0.9 ? Object.fromEntries([['q', jsonValue(random, 3)], ['n', jsonValue(random, 1)]]) : jsonValue(random, 2);
  const members = [`"name"${colon}"${random.pick(['get_weather', 'search', 'f'])}"`, `"arguments"${colon}${writeJson(args, random, comma, colon)}`];
  if (random.next() < 0.2) members.reverse();
  return `{${members.join(comma)}}`;
}

function modelOutput(random: Random): string {
  let out = '';
  if (random.next() < 0.6) {
    out += random.pick(['', '\n', '<think>', '<think>\n', ' <think>']) + text(random, TEXT, 6);
    if (random.next() < 0.85) out += '</think>' + random.pick(['\n\n', '', ' ']);
  }
  out += text(random, TEXT, 5);
  const count = random.int(0, 3);
  let closed = false;
  for (let i = 0; i < count; i++) {
    const body = i === 0 && random.next() < 0.1 ? random.pick(MALFORMED) : callBody(random);
    out += `<tool_call>${random.pick(['\n', '', ' '])}${body}`;
    closed = i < count - 1 || random.next() < 0.8;
    if (closed) out += `${random.pick(['\n', ''])}</tool_call>${random.pick(['\n', '', ' '])}`;
    else out += random.pick(['', '\n']); // an unclosed final call
  }
  if (closed && random.next() < 0.2) out += text(random, SAFE_TEXT, 3);
  return out;
}

function randomSplit(random: Random, value: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < value.length; ) {
    const size = random.next() < 0.05 ? value.length : random.int(1, 6);
    pieces.push(value.slice(i, i + size));
    i += size;
  }
  return pieces;
}

describe('streaming equals whole-output parsing', () => {
  it('10,000 random splits of 2,000 random outputs', () => {
    const random = new Random(20250607);
    let withCalls = 0;
    for (let output = 0; output < 2000; output++) {
      const value = modelOutput(random);
      const thinkingEnabled = random.next() < 0.85;
      const split = parseReasoning(value, { thinkingEnabled });
      const expected = parseToolCalls(split.content ?? '');
      if (expected.toolCalls.length > 0) withCalls++;
      for (let trial = 0; trial < 5; trial++) {
        const reasoning = new ReasoningStreamParser({ thinkingEnabled });
        const tools = new HermesStreamParser();
        const deltas: StreamDelta[] = [];
        const route = (pieces: StreamDelta[]) => {
          for (const piece of pieces) {
            if ('content' in piece) deltas.push(...tools.push(piece.content));
            else deltas.push(piece);
          }
        };
        for (const piece of randomSplit(random, value)) route(reasoning.push(piece));
        route(reasoning.finish());
        deltas.push(...tools.finish());
        const streamed = collect(deltas);
        const context = JSON.stringify(value);
        expect(streamed.reasoning, context).toBe(split.reasoningContent ?? '');
        expect(streamed.content, context).toBe(expected.content ?? '');
        expect(streamed.calls.map((c) => [c.name, c.arguments]), context)
          .toEqual(expected.toolCalls.map((c) => [c.function.name, c.function.arguments]));
        expect(new Set(streamed.calls.map((c) => c.id)).size).toBe(streamed.calls.length);
      }
    }
    expect(withCalls).toBeGreaterThan(500); // the generator does exercise tool calls
  }, 60_000); // a few seconds alone: room for a busy machine
});
