/**
 * llama3_json tool-call parsing: the situations vLLM's own tests cover (with our strings), edge
 * cases, streaming, and a property test that any split of a random output streams exactly the
 * whole-output result.
 */
import { describe, expect, it } from 'vitest';
import { llama3JsonToolParser } from '../../src/chat/llama3-json-tool-parser.ts';
import { Random } from '../support/random.ts';
import {
  chars, collect, randomJsonValue, randomSpacing, randomSplit, streamPieces, writeJson,
} from '../support/tool-deltas.ts';

const parser = llama3JsonToolParser({ tools: [] });
const calls = (text: string) => parser.parse(text).toolCalls.map((c) => [c.function.name, c.function.arguments]);
const asContent = (text: string) => ({ content: text, toolCalls: [] });
const TAG = '<|python_tag|>';

describe('parse (vLLM llama3_json situations)', () => {
  it('plain text, or no object at all, is content', () => {
    expect(parser.parse('No tools needed: the answer is 42.')).toEqual(asContent('No tools needed: the answer is 42.'));
    expect(parser.parse('')).toEqual({ content: null, toolCalls: [] });
  });

  it('one call with "parameters": content null, arguments as written, id format', () => {
    const result = parser.parse('{"name": "lookup_flight", "parameters": {"code": "BA117", "day": 3}}');
    expect(result.content).toBeNull();
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]?.id).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);
    expect(result.toolCalls[0]?.type).toBe('function');
    expect(result.toolCalls[0]?.function).toEqual({ name: 'lookup_flight', arguments: '{"code": "BA117", "day": 3}' });
  });

  it('"arguments" is accepted in place of "parameters"', () => {
    expect(calls('{"name": "lookup_flight", "arguments": {"code": "LH400"}}')).toEqual([['lookup_flight', '{"code": "LH400"}']]);
  });

  it('a call inside text: the text before is content, the text after is dropped', () => {
    const result = parser.parse('Checking now. {"name": "list_alarms", "parameters": {}} Anything else?');
    expect(result.content).toBe('Checking now. ');
    expect(result.toolCalls.map((c) => [c.function.name, c.function.arguments])).toEqual([['list_alarms', '{}']]);
  });

  it('several calls separated by ";" (with or without spaces, and amid text) keep their order', () => {
    const one = '{"name": "find_book", "parameters": {"title": "Dune"}}';
    const two = '{"name": "list_alarms", "parameters": {}}';
    const three = '{"name": "find_book", "parameters": {"title": "Emma"}}';
    const expected = [['find_book', '{"title": "Dune"}'], ['list_alarms', '{}'], ['find_book', '{"title": "Emma"}']];
    expect(calls(`${one}; ${two}; ${three}`)).toEqual(expected);
    expect(calls(`${one} ; ${two} ;${three}`)).toEqual(expected);
    expect(calls(`${one};${two};${three}`)).toEqual(expected);
    const amid = parser.parse(`Three lookups: ${one}; ${two}; ${three} Shall I go on?`);
    expect(amid.content).toBe('Three lookups: ');
    expect(amid.toolCalls.map((c) => [c.function.name, c.function.arguments])).toEqual(expected);
    expect(new Set(amid.toolCalls.map((c) => c.id)).size).toBe(3);
  });

  it('deeply nested arguments, alone and after another call', () => {
    const deep = '{"a": {"b": {"c": {"d": {"e": [1, {"f": "bottom"}]}}}}}';
    expect(calls(`{"name": "walk", "parameters": ${deep}}`)).toEqual([['walk', deep]]);
    expect(calls(`{"name": "ping", "parameters": {"host": "x"}}; {"name": "walk", "parameters": ${deep}}`))
      .toEqual([['ping', '{"host": "x"}'], ['walk', deep]]);
  });

  it('braces, brackets, semicolons and escaped quotes inside strings', () => {
    const args = '{"q": "set {a; b} [c]", "say": "she said \\"hi {there}\\";", "close": "}]}"}';
    const [only] = calls(`{"name": "echo", "parameters": ${args}}`);
    expect(only).toEqual(['echo', args]);
    expect(JSON.parse(only?.[1] ?? '')).toEqual({ q: 'set {a; b} [c]', say: 'she said "hi {there}";', close: '}]}' });
  });

  it('invalid JSON, a missing name, or missing arguments: all content, no calls', () => {
    for (const text of [
      '{"name": "broken", "parameters": {not json}',
      '{"parameters": {"x": 1}}',
      '{"name": "no_args"}',
      '{"name": "both", "parameters": {}, "arguments": {}}', // deliberate: ambiguous, not a call
      '{"name": "twice", "name": "again", "parameters": {}}',
      '{"name": 7, "parameters": {}}',
      '{"name": "", "parameters": {}}',
      '{"name": "f", "parameters": {"x": NaN}}',
      '{"name": "f", "parameters": {"x": "\\q"}}',
    ]) expect(parser.parse(text)).toEqual(asContent(text));
  });

  it('any other object in the text makes the whole output content (all or nothing)', () => {
    const good = '{"name": "ping", "parameters": {}}';
    for (const text of [
      `Use {braces} like this: ${good}`,
      `${good}; then {"note": "not a call"}`,
      `${good} and a stray {`,
    ]) expect(parser.parse(text)).toEqual(asContent(text));
  });
});

describe('parse (edge cases)', () => {
  it('<|python_tag|> before the calls is not content', () => {
    expect(parser.parse(`${TAG}{"name": "ping", "parameters": {}}`).content).toBeNull();
    const result = parser.parse(`One moment.${TAG}{"name": "ping", "parameters": {"n": 1}}; {"name": "pong", "parameters": {}}`);
    expect(result.content).toBe('One moment.');
    expect(result.toolCalls.map((c) => c.function.name)).toEqual(['ping', 'pong']);
  });

  it('a python_tag with code and no JSON call (a built-in tool) stays content, tag included', () => {
    for (const text of [`${TAG}brave_search.call(query="tides")`, `${TAG}x = {1: 2}`, `${TAG}`]) {
      expect(parser.parse(text)).toEqual(asContent(text));
    }
  });

  it('whitespace-only text before the calls is null content', () => {
    expect(parser.parse('\n {"name": "ping", "parameters": {}}').content).toBeNull();
  });

  it('a final call cut off by the end of output makes it all content', () => {
    const cut = '{"name": "ping", "parameters": {}}; {"name": "pong", "parameters": {"n": 1';
    expect(parser.parse(cut)).toEqual(asContent(cut));
  });

  it('unicode, empty and scalar arguments, compact spacing, arguments before name', () => {
    expect(calls('{"name": "say", "parameters": {"text": "héllo 世界 😀 \\u00e9"}}')).toEqual([['say', '{"text": "héllo 世界 😀 \\u00e9"}']]);
    expect(calls('{"parameters":{},"name":"f","extra":[1]}')).toEqual([['f', '{}']]);
    expect(calls('{"name": "f", "arguments": "raw"}; {"name": "g", "arguments": null}')).toEqual([['f', '"raw"'], ['g', 'null']]);
    expect(calls('{"parameters": {"name": "inner"}, "name": "outer"}')).toEqual([['outer', '{"name": "inner"}']]);
  });

  it('parsing is linear: long hostile outputs finish quickly', () => {
    const hostile = ['{'.repeat(200_000), '{"name": "f", "parameters": '.repeat(20_000), `{"a": "${'\\"'.repeat(100_000)}`, ';{}'.repeat(100_000)];
    const started = performance.now();
    for (const text of hostile) expect(parser.parse(text).toolCalls).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('stream', () => {
  it('holds back a possible tag start and a blank prefix, never emitting them as content', () => {
    const stream = parser.stream();
    expect(stream.push('\n')).toEqual([]);
    expect(stream.push('Hi <|py')).toEqual([{ content: '\nHi ' }]);
    expect(stream.push('thon')).toEqual([]);
    expect(stream.push('!')).toEqual([{ content: '<|python!' }]);
    expect(stream.finish()).toEqual([]);
  });

  it('header once the name and the arguments member have begun, then argument fragments', () => {
    const stream = parser.stream();
    expect(stream.push('Sure. {"name": "lookup_')).toEqual([{ content: 'Sure. ' }]);
    expect(stream.push('flight", ')).toEqual([]); // could still be a prose object
    const header = stream.push('"parameters": {"co');
    expect(header[0]).toMatchObject({ tool_calls: [{ index: 0, type: 'function', function: { name: 'lookup_flight' } }] });
    expect(header[1]).toEqual({ tool_calls: [{ index: 0, function: { arguments: '{"co' } }] });
    expect(stream.push('de": 1}}')).toEqual([{ tool_calls: [{ index: 0, function: { arguments: 'de": 1}' } }] }]);
    expect(stream.finish()).toEqual([]);
  });

  it('prose with a non-call object streams as content as soon as that is certain', () => {
    const stream = parser.stream();
    expect(stream.push('Sets look like {a, b')).toEqual([{ content: 'Sets look like ' }, { content: '{a, b' }]);
    expect(stream.push('}.')).toEqual([{ content: '}.' }]);
  });

  it('a broken object before any header: the whole text comes out as content', () => {
    const text = 'Plan: {"name": "ping"} then {"name": "pong", "parameters": {}}';
    expect(collect(streamPieces(parser, chars(text)))).toEqual({ content: text, calls: [] });
  });

  it('deliberate difference: a call that breaks after its header was sent cannot be taken back', () => {
    const text = '{"name": "ping", "parameters": {}}; {"name": "pong", "parameters": {"n": }}';
    expect(parser.parse(text)).toEqual(asContent(text));
    expect(collect(streamPieces(parser, chars(text))).calls.map((c) => c.name)).toEqual(['ping', 'pong']);
  });
});

// ---- property test: random outputs, random splits ----

const PROSE = ['Sure', ' thing', '. ', '\n', 'é', '😀', '中文', ';', '<|', '<|python', 'tag', '|>', '}', ']', '"'];
const STRINGS = ['Paris', '}{', '"quoted"', '; ', '\\', 'tab\t', 'héllo 世界 😀', '', TAG, '{"x": [1]}', ']'];
const MALFORMED = ['{name: "f"}', '{"parameters": {}, "name": 5}', '{"name": "f"}', '{"k": 1}', '{oops', '{"name": "f", "parameters": {"a": tru}}'];

function prose(random: Random, maxPieces: number): string {
  let out = '';
  for (let i = random.int(0, maxPieces); i > 0; i--) out += random.pick(PROSE);
  return out;
}

function callObject(random: Random): string {
  const [comma, colon] = randomSpacing(random);
  const args = random.next() < 0.9 ? { q: randomJsonValue(random, STRINGS, 3), n: randomJsonValue(random, STRINGS, 1) } : randomJsonValue(random, STRINGS, 2);
  const key = random.pick(['parameters', 'parameters', 'arguments']);
  const members = [`"name"${colon}"${random.pick(['get_weather', 'find', 'f'])}"`, `"${key}"${colon}${writeJson(args, random, comma, colon)}`];
  if (random.next() < 0.2) members.reverse();
  if (random.next() < 0.1) members.push(`"note"${colon}${writeJson(randomJsonValue(random, STRINGS, 1), random, comma, colon)}`);
  return `{${members.join(comma)}}`;
}

function modelOutput(random: Random): string {
  let out = random.next() < 0.5 ? prose(random, 5) : '';
  if (random.next() < 0.4) out += TAG + random.pick(['', '', ' ', '\n']);
  const count = random.int(0, 3);
  for (let i = 0; i < count; i++) {
    if (i > 0) out += random.pick(['; ', ';', ' ; ', ';\n', ' ']);
    out += i === 0 && random.next() < 0.1 ? random.pick(MALFORMED) : callObject(random);
  }
  if (count > 0 && random.next() < 0.1) out = out.slice(0, random.int(Math.max(0, out.length - 30), out.length - 1)); // cut off
  else if (random.next() < 0.2) out += prose(random, 3);
  return out;
}

describe('streaming equals whole-output parsing', () => {
  it('10,000 random splits of 2,000 random outputs', () => {
    const random = new Random(31415);
    let withCalls = 0;
    let headerTakenBack = 0;
    for (let output = 0; output < 2000; output++) {
      const value = modelOutput(random);
      const expected = parser.parse(value);
      if (expected.toolCalls.length > 0) withCalls++;
      for (let trial = 0; trial < 5; trial++) {
        const streamed = collect(streamPieces(parser, randomSplit(random, value)));
        const context = JSON.stringify(value);
        if (expected.toolCalls.length === 0 && streamed.calls.length > 0) {
          // The documented edge: a call broke after a header was out. Content stops where calls began.
          headerTakenBack++;
          expect(value.startsWith(streamed.content), context).toBe(true);
          continue;
        }
        expect(streamed.content, context).toBe(expected.content ?? '');
        expect(streamed.calls.map((c) => [c.name, c.arguments]), context)
          .toEqual(expected.toolCalls.map((c) => [c.function.name, c.function.arguments]));
        expect(new Set(streamed.calls.map((c) => c.id)).size).toBe(streamed.calls.length);
      }
    }
    expect(withCalls).toBeGreaterThan(600); // the generator does exercise tool calls
    expect(headerTakenBack).toBeLessThan(10_000 * 0.1); // and the edge stays the exception
  }, 60_000); // a few seconds alone: room for a busy machine
});
