/**
 * The pythonic tool-call parser: vLLM's situations (simple, parallel, typed and nested values,
 * escapes, no arguments, plain text, malformed), Python literal details, streaming edge cases,
 * time bounds on adversarial outputs (a backtracking regex would take seconds), and a property
 * test: any split of a random output streams exactly the whole-output parse, whose arguments
 * JSON.parse back to the values the output was written from.
 */
import { describe, expect, it } from 'vitest';
import { parsePythonicToolCalls, PythonicStreamParser, pythonicToolParser } from '../../src/chat/pythonic-tool-parser.ts';
import type { StreamDelta } from '../../src/chat/types.ts';
import { BROKEN_CALLS, randomCall, type GeneratedCall } from '../support/pythonic-literals.ts';
import { Random } from '../support/random.ts';

const calls = (text: string) => parsePythonicToolCalls(text).toolCalls.map((c) => [c.function.name, c.function.arguments]);
const args = (literal: string) => calls(`[f(a=${literal})]`)[0]?.[1];

interface Streamed { content: string; calls: { id: string; name: string; arguments: string }[] }

/** Concatenates deltas, checking the OpenAI order: call i's header before any of call i+1. */
function collect(deltas: readonly StreamDelta[]): Streamed {
  const out: Streamed = { content: '', calls: [] };
  for (const delta of deltas) {
    if ('content' in delta) out.content += delta.content;
    else if ('reasoning_content' in delta) throw new Error('a tool parser sent reasoning');
    else for (const piece of delta.tool_calls) {
      if (piece.id === undefined) throw new Error('pythonic calls go out whole, header included');
      expect(piece.index).toBe(out.calls.length);
      expect(piece.type).toBe('function');
      out.calls.push({ id: piece.id, name: piece.function.name ?? '', arguments: piece.function.arguments ?? '' });
    }
  }
  return out;
}

function stream(pieces: readonly string[]): StreamDelta[] {
  const parser = new PythonicStreamParser();
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.finish()];
}

describe('parsePythonicToolCalls (vLLM pythonic situations)', () => {
  it('plain text is content; an empty output has none', () => {
    expect(parsePythonicToolCalls('What city do you mean?')).toEqual({ content: 'What city do you mean?', toolCalls: [] });
    expect(parsePythonicToolCalls('')).toEqual({ content: null, toolCalls: [] });
  });

  it('one call: no content, arguments as json.dumps writes them, an OpenAI-style id', () => {
    const { content, toolCalls } = parsePythonicToolCalls(`[get_time(zone='Europe/Oslo', format="24h")]`);
    expect(content).toBeNull();
    expect(toolCalls).toHaveLength(1);
    expect(toolCalls[0]?.type).toBe('function');
    expect(toolCalls[0]?.id).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);
    expect(toolCalls[0]?.function).toEqual({ name: 'get_time', arguments: '{"zone": "Europe/Oslo", "format": "24h"}' });
  });

  it('several calls keep their order, with unique ids; no arguments is {}', () => {
    const text = `[lookup(term='tide'), ping(), convert(amount=3, to='NOK')]`;
    expect(calls(text)).toEqual([['lookup', '{"term": "tide"}'], ['ping', '{}'], ['convert', '{"amount": 3, "to": "NOK"}']]);
    expect(new Set(parsePythonicToolCalls(text).toolCalls.map((c) => c.id)).size).toBe(3);
  });

  it('typed and nested values: None/True/False, lists, dicts, empty containers', () => {
    const text = `[add_member(nick='Kari N', age=41, home={'town': 'Bergen', 'zip': '5003'}, manager=None, active=True, `
      + `retired=False, groups=['ops', 'oncall'], extra={}, notes=[])]`;
    expect(calls(text)).toEqual([['add_member', '{"nick": "Kari N", "age": 41, "home": {"town": "Bergen", "zip": "5003"}, "manager": null, '
      + '"active": true, "retired": false, "groups": ["ops", "oncall"], "extra": {}, "notes": []}']]);
  });

  it('escaped quotes and backslashes come out as JSON escapes', () => {
    expect(calls(String.raw`[note(text='Ola\'s "pick"', path="C:\\tmp\\x", q='\"deep\"')]`))
      .toEqual([['note', String.raw`{"text": "Ola's \"pick\"", "path": "C:\\tmp\\x", "q": "\"deep\""}`]]);
  });

  it.each([
    ['a call with text before it', `Sure! [get_time(zone='UTC')]`],
    ['text after the list', `[get_time(zone='UTC')] Done.`],
    ['a call outside a list', `get_time(zone='UTC')`],
    ['an empty list', '[]'],
    ['a list of names', '[get_time, ping]'],
    ['a list of other values', `['UTC', 1]`],
    ['an unclosed list', `[get_time(zone='UTC')`],
    ['an unclosed call', `[get_time(zone='UTC'`],
    ['two commas', '[ping(),, ping()]'],
    ['a leading comma in the call', '[ping(, a=1)]'],
    ...BROKEN_CALLS.map((broken) => [`a broken call ${broken}`, `[ping(), ${broken}]`] as [string, string]),
  ])('%s: no calls, the whole text is content', (_, text) => {
    expect(parsePythonicToolCalls(text)).toEqual({ content: text, toolCalls: [] });
  });
});

describe('Python literal details', () => {
  it('numbers: ints of any size and base, floats as Python repr, unary signs', () => {
    expect(args('-7')).toBe('{"a": -7}');
    expect(args('- - +7')).toBe('{"a": 7}');
    expect(args('1_000_000')).toBe('{"a": 1000000}');
    expect(args('0x1f')).toBe('{"a": 31}');
    expect(args('0o17')).toBe('{"a": 15}');
    expect(args('0b101')).toBe('{"a": 5}');
    expect(args('123456789012345678901234567890')).toBe('{"a": 123456789012345678901234567890}');
    expect(args('[2.50, 100., .5, 1e16, 1e-5, 0.0001, -0.0, 1.5e300, 12345678901234567.0]'))
      .toBe('{"a": [2.5, 100.0, 0.5, 1e+16, 1e-05, 0.0001, -0.0, 1.5e+300, 1.2345678901234568e+16]}');
    expect(args('00')).toBe('{"a": 0}');
  });

  it('strings: escapes, raw and triple-quoted literals, concatenation, unicode kept as is', () => {
    expect(args(String.raw`'\x41\u00e9\U0001F600\101\n\t\q'`)).toBe(String.raw`{"a": "Aé😀A\n\t\\q"}`);
    expect(args(String.raw`r'\d+\''`)).toBe(String.raw`{"a": "\\d+\\'"}`);
    expect(args(`'''two\nlines "and" 'quotes' '''`)).toBe(`{"a": "two\\nlines \\"and\\" 'quotes' "}`);
    expect(args(`'con' "cat"\n  'enated'`)).toBe('{"a": "concatenated"}');
    expect(args(`u'x' f'y'`)).toBe('{"a": "xy"}');
    expect(args(`'\u0001 日本'`)).toBe('{"a": "\\u0001 日本"}');
    expect(args(`''`)).toBe('{"a": ""}');
  });

  it('tuples and sets become lists; a parenthesised value is the value', () => {
    expect(args('((1, 2), (3,), (), (4))')).toBe('{"a": [[1, 2], [3], [], 4]}');
    expect(args(`{'x', 'y'}`)).toBe('{"a": ["x", "y"]}');
  });

  it('dict keys as json.dumps writes them; a repeated key or keyword keeps its first place and last value', () => {
    expect(args(`{7: 'i', 2.5: 'f', True: 't', None: 'n', 'k': 's'}`)).toBe('{"a": {"7": "i", "2.5": "f", "true": "t", "null": "n", "k": "s"}}');
    expect(args(`{'k': 1, 'j': 2, 'k': 3}`)).toBe('{"a": {"k": 3, "j": 2}}');
    expect(args(`{1: 'int', 1.0: 'float', True: 'bool'}`)).toBe('{"a": {"1": "bool"}}');
    expect(calls('[f(a=1, b=2, a=3)]')).toEqual([['f', '{"a": 3, "b": 2}']]);
  });

  it("JSON's true/false/null are read as vLLM does; Python keywords may name arguments", () => {
    expect(args('[true, false, null]')).toBe('{"a": [true, false, null]}');
    expect(calls(`[route(from='A', to='B')]`)).toEqual([['route', '{"from": "A", "to": "B"}']]);
  });

  it("whitespace: Python's rules inside brackets; around the list too (deliberate: vLLM needs `[` first)", () => {
    expect(calls(`\n [ f ( a = 1 ,\n\tb=[ 2 , ] , ) ,\n ]\n\n`)).toEqual([['f', '{"a": 1, "b": [2]}']]);
    expect(parsePythonicToolCalls(' \n ')).toEqual({ content: ' \n ', toolCalls: [] });
  });

  it('nesting: 200 brackets like Python, not 201', () => {
    const nested = (depth: number) => `[f(a=${'['.repeat(depth - 2)}${']'.repeat(depth - 2)})]`;
    expect(calls(nested(200))).toHaveLength(1);
    expect(calls(nested(201))).toEqual([]);
  });

  it('the factory: format pythonic, no special tokens', () => {
    const parser = pythonicToolParser({ tools: [] });
    expect(parser.format).toBe('pythonic');
    expect(parser.specialTokens ?? []).toEqual([]);
    expect(parser.parse('[f()]').toolCalls.map((c) => c.function.name)).toEqual(['f']);
  });
});

describe('PythonicStreamParser', () => {
  it('text that does not start with `[` streams as content at once (held only while blank)', () => {
    const parser = new PythonicStreamParser();
    expect(parser.push('  ')).toEqual([]);
    expect(parser.push('\nHi')).toEqual([{ content: '  \nHi' }]);
    expect(parser.push(' [f()]')).toEqual([{ content: ' [f()]' }]);
    expect(parser.finish()).toEqual([]);
  });

  it("each call goes out whole when its `)` arrives (vLLM's large-steps case)", () => {
    const parser = new PythonicStreamParser();
    expect(parser.push(`[find(q='new`)).toEqual([]);
    const first = parser.push(` york', n=2), ping(), list`);
    expect(collect(first).calls.map((c) => [c.name, c.arguments])).toEqual([['find', '{"q": "new york", "n": 2}'], ['ping', '{}']]);
    const rest = [...parser.push('(x=[])]'), ...parser.finish()];
    expect(rest).toEqual([{ tool_calls: [{ index: 2, id: expect.stringMatching(/^chatcmpl-tool-/), type: 'function', function: { name: 'list', arguments: '{"x": []}' } }] }]);
  });

  it('a list that breaks before its first call is complete comes out as content from finish()', () => {
    for (const text of ['[f(a=x)]', '[f(a=1', "[f(a='", '[', ' [ ', '[g(b=[1, 2)]']) {
      expect(collect(stream(Array.from(text))), text).toEqual({ content: text, calls: [] });
    }
  });

  it('deliberate difference: calls already sent stay sent when a later part breaks', () => {
    const text = '[f(a=1), g(b=oops)]';
    expect(parsePythonicToolCalls(text).toolCalls).toEqual([]);
    expect(collect(stream(Array.from(text))).calls.map((c) => c.name)).toEqual(['f']);
  });
});

describe('time bounds (linear scanning)', () => {
  const bounded = (label: string, text: string, limitMs: number) => {
    let started = performance.now();
    const whole = parsePythonicToolCalls(text);
    const wholeMs = performance.now() - started;
    started = performance.now();
    const parser = new PythonicStreamParser();
    let streamed = 0;
    for (let i = 0; i < text.length; i += 4) streamed += parser.push(text.slice(i, i + 4)).length;
    streamed += parser.finish().length;
    const streamMs = performance.now() - started;
    expect(wholeMs, `${label}: whole ${wholeMs} ms`).toBeLessThan(limitMs);
    expect(streamMs, `${label}: streamed ${streamMs} ms`).toBeLessThan(2000);
    expect(streamed).toBeGreaterThan(0);
    return whole;
  };
  const size = 100_000;

  // Linear scanning takes 10-70 ms here; a backtracking or quadratic one takes seconds to hours.
  // The bounds leave room for a busy machine.
  it.each([
    ['nested lists', '[a(b=' + '['.repeat(size)],
    ['backslashes in an open string', `[f(x='` + '\\'.repeat(size)],
    ['unclosed parentheses', '[f(a=' + '('.repeat(size)],
    ["vLLM's regex-timeout shape, repeated", '[A(A=' + '\t)A(A=,\t'.repeat(size / 9)],
    ['unary signs', '[f(a=' + '-'.repeat(size) + 'x)]'],
    ['an open triple-quoted string', "[f(a='''" + "''x".repeat(size / 3)],
  ])('%s (100 KB) is content within 1 s', (label, text) => {
    expect(bounded(label, text, 1000)).toEqual({ content: text, toolCalls: [] });
  });

  it('100 KB of valid calls and a 100 KB argument parse within 1 s', () => {
    const list = '[' + Array.from({ length: 2000 }, (_, i) => `step(n=${i}, label='item ${i} ${'x'.repeat(30)}')`).join(', ') + ']';
    expect(bounded('calls', list, 1000).toolCalls).toHaveLength(2000);
    const long = `[write(text="${'ab\\n'.repeat(size / 4)}")]`;
    expect(JSON.parse(bounded('argument', long, 1000).toolCalls[0]?.function.arguments ?? '').text).toHaveLength(size * 3 / 4);
  });
});

// ---- property test: random outputs, random splits ----

function modelOutput(random: Random): { text: string; expected: GeneratedCall[] | undefined } {
  const roll = random.next();
  if (roll < 0.15) return { text: random.pick(['', ' ', 'Sure, ', 'The answer is [1, 2].', 'f(x=1)', '\n\nOk']) + random.pick(['', ' done', '[']), expected: undefined };
  const generated = Array.from({ length: random.int(1, 3) }, () => randomCall(random));
  const comma = random.pick([', ', ',', ',\n ']);
  const texts = generated.map((call) => call.text);
  if (roll < 0.3) texts[0] = random.pick(BROKEN_CALLS); // broken before any call is complete
  let text = random.pick(['', '', ' ', '\n']) + '[' + texts.join(comma) + random.pick([']', ']', ']\n', ',]']);
  if (roll >= 0.3 && roll < 0.4) text = text.slice(0, random.int(1, (texts[0]?.length ?? 0)));
  return { text, expected: roll >= 0.4 ? generated : undefined };
}

function randomSplit(random: Random, value: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < value.length;) {
    const size = random.next() < 0.05 ? value.length : random.int(1, 6);
    pieces.push(value.slice(i, i + size));
    i += size;
  }
  return pieces;
}

describe('streaming equals whole-output parsing', () => {
  it('10,000 random splits of 2,000 random outputs', () => {
    const random = new Random(31337);
    let withCalls = 0;
    for (let output = 0; output < 2000; output++) {
      const { text, expected } = modelOutput(random);
      const whole = parsePythonicToolCalls(text);
      const context = JSON.stringify(text);
      if (expected === undefined) {
        expect(whole, context).toEqual({ content: text === '' ? null : text, toolCalls: [] });
      } else {
        withCalls++;
        expect(whole.content, context).toBeNull();
        expect(whole.toolCalls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]), context).toEqual(expected.map((c) => [c.name, c.args]));
      }
      for (let trial = 0; trial < 5; trial++) {
        const streamed = collect(stream(randomSplit(random, text)));
        expect(streamed.content, context).toBe(whole.content ?? '');
        expect(streamed.calls.map((c) => [c.name, c.arguments]), context).toEqual(whole.toolCalls.map((c) => [c.function.name, c.function.arguments]));
        expect(new Set(streamed.calls.map((c) => c.id)).size).toBe(streamed.calls.length);
      }
    }
    expect(withCalls).toBeGreaterThan(1000);
  }, 60_000); // a few seconds alone: room for a busy machine
});
