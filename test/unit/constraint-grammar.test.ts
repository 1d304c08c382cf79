/**
 * The spec → grammar layer on CPU (XGrammar's wasm in Node) with the qwen2 fixture tokenizer:
 * valid outputs, fed token by token as the tokenizer encodes them, are allowed by every mask,
 * accepted, and end with a stop token; invalid ones are rejected at the first wrong token;
 * special and padded ids are never allowed; random walks through the masks always produce text
 * that parses and validates (ajv); rejected schemas are typed errors and leave XGrammar usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConstraintSpec } from '../../src/constraint/constraint-spec.ts';
import { maskAllows, maskWords, type TokenConstraint } from '../../src/constraint/token-constraint.ts';
import { createXGrammarCompiler, type XGrammarCompiler } from '../../src/constraint/xgrammar-compiler.ts';
import { isLlmError } from '../../src/errors.ts';
import type { TextTokenizer } from '../../src/text/tokenizer.ts';
import {
  parseHermesCalls, qwenSpecialIds, qwenStopIds, qwenTokenizer, qwenVocabSize, recordSchema, schemaErrors, searchTool,
  toolCallErrors, weatherTool,
} from '../support/constraint-cases.ts';
import { Random } from '../support/random.ts';

let tokenizer: TextTokenizer;
let compiler: XGrammarCompiler;

beforeAll(async () => {
  tokenizer = qwenTokenizer();
  compiler = await createXGrammarCompiler({ tokenizer, stopTokenIds: qwenStopIds, vocabSize: qwenVocabSize });
});
afterAll(() => compiler?.dispose());

const mask = () => new Uint32Array(maskWords(qwenVocabSize));
const allowedIds = (bits: Uint32Array) => Array.from({ length: qwenVocabSize }, (_, id) => id).filter((id) => maskAllows(bits, id));

/** Feeds `text` (as encoded) then a stop token; the index of the first refused token, or 'accepted'. */
function feed(spec: ConstraintSpec, text: string, stop: number | undefined = qwenStopIds[0], terminates = stop !== undefined): number | 'accepted' {
  const constraint = compiler.compile(spec);
  try {
    const ids = [...tokenizer.encode(text), ...(stop === undefined ? [] : [stop])];
    const bits = mask();
    for (const [i, id] of ids.entries()) {
      constraint.fillNextTokenBitmask(bits);
      const allowed = maskAllows(bits, id);
      // The mask and acceptance agree on every token.
      expect(constraint.acceptToken(id), `token ${i} (${id} ${JSON.stringify(tokenizer.decode([id]))})`).toBe(allowed);
      if (!allowed) return i;
    }
    expect(constraint.isTerminated()).toBe(terminates);
    return 'accepted';
  } finally {
    constraint.dispose();
  }
}

const record: ConstraintSpec = { kind: 'json_schema', schema: recordSchema };
const validRecord = '{"color": "green", "count": 42, "label": "a b!", "tags": [{"id": 3, "on": true}, {"id": 9, "on": false}]}';

describe('json_schema', () => {
  it('accepts a valid compact document token by token, then only the stop tokens', () => {
    expect(feed(record, validRecord)).toBe('accepted');
    const constraint = compiler.compile(record);
    for (const id of tokenizer.encode(validRecord)) expect(constraint.acceptToken(id)).toBe(true);
    const bits = mask();
    constraint.fillNextTokenBitmask(bits);
    expect(allowedIds(bits)).toEqual([...qwenStopIds].sort((a, b) => a - b));
    expect(constraint.acceptToken(qwenSpecialIds.imEnd)).toBe(true);
    expect(constraint.isTerminated()).toBe(true);
    constraint.fillNextTokenBitmask(bits);
    expect(allowedIds(bits)).toEqual([]);
    expect(constraint.acceptToken(qwenSpecialIds.imEnd)).toBe(false);
    constraint.dispose();
  });

  it.each([
    ['whitespace after {', '{ "color": "red", "count": 1, "label": "", "tags": []}'],
    ['a value outside the enum', '{"color": "pink", "count": 1, "label": "", "tags": []}'],
    ['an integer above the maximum', '{"color": "red", "count": 100, "label": "", "tags": []}'],
    ['a string over maxLength', '{"color": "red", "count": 1, "label": "abcdefg", "tags": []}'],
    ['too many items', '{"color": "red", "count": 1, "label": "", "tags": [{"id": 1, "on": true}, {"id": 2, "on": true}, {"id": 3, "on": true}]}'],
    ['a property out of order', '{"count": 1, "color": "red", "label": "", "tags": []}'],
    ['an extra property', '{"color": "red", "count": 1, "label": "", "tags": [], "x": 1}'],
    ['separators without spaces', '{"color":"red","count":1,"label":"","tags":[]}'],
  ])('rejects %s', (_, text) => {
    expect(feed(record, text)).not.toBe('accepted');
  });

  it('refuses the stop token before the document is complete', () => {
    expect(feed(record, '{"color": "red", "count": 1')).toBe(tokenizer.encode('{"color": "red", "count": 1').length);
  });

  it('never allows special, padded or (outside strings) added tokens', () => {
    const constraint = compiler.compile(record);
    const bits = mask();
    const random = new Random(7);
    const never = [qwenSpecialIds.imStart, ...Array.from({ length: qwenVocabSize - 663 }, (_, i) => 663 + i)];
    for (let step = 0; step < 200 && !constraint.isTerminated(); step++) {
      constraint.fillNextTokenBitmask(bits);
      for (const id of never) expect(maskAllows(bits, id), `id ${id} at step ${step}`).toBe(false);
      const allowed = allowedIds(bits);
      expect(allowed.length).toBeGreaterThan(0);
      expect(constraint.acceptToken(random.pick(allowed))).toBe(true);
    }
    constraint.dispose();
  });
});

/** Walks uniformly random allowed tokens until the grammar ends (or `maxTokens`). */
function randomWalk(constraint: TokenConstraint, random: Random, maxTokens: number): { text: string; terminated: boolean } {
  const ids: number[] = [];
  const bits = mask();
  while (ids.length < maxTokens && !constraint.isTerminated()) {
    constraint.fillNextTokenBitmask(bits);
    const id = random.pick(allowedIds(bits));
    expect(constraint.acceptToken(id)).toBe(true);
    ids.push(id);
  }
  return { text: tokenizer.decode(ids.filter((id) => !qwenStopIds.includes(id as 656 | 658))), terminated: constraint.isTerminated() };
}

describe('random walks through the masks', () => {
  it('json_schema: every finished walk parses and validates', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const constraint = compiler.compile(record);
      const { text, terminated } = randomWalk(constraint, new Random(seed), 400);
      constraint.dispose();
      expect(terminated, `seed ${seed}: ${text}`).toBe(true);
      expect(schemaErrors(recordSchema, JSON.parse(text)), `seed ${seed}: ${text}`).toBeUndefined();
    }
  });

  it('tool_calls (hermes): every finished walk is well-formed calls with valid arguments', () => {
    const tools = [weatherTool, searchTool];
    for (const parallel of [true, false]) {
      for (let seed = 1; seed <= 20; seed++) {
        const constraint = compiler.compile({ kind: 'tool_calls', format: 'hermes', tools, parallel });
        const { text, terminated } = randomWalk(constraint, new Random(seed), 400);
        constraint.dispose();
        expect(terminated, `seed ${seed}: ${text}`).toBe(true);
        const calls = parseHermesCalls(text);
        if (!parallel) expect(calls).toHaveLength(1);
        expect(toolCallErrors(calls, tools), text).toBeUndefined();
      }
    }
  });
});

describe('json_object', () => {
  const spec: ConstraintSpec = { kind: 'json_object' };
  it('accepts any compact object', () => {
    expect(feed(spec, '{"a": [1, {"b": null}], "c": "x", "d": -2.5e3}')).toBe('accepted');
    expect(feed(spec, '{}')).toBe('accepted');
  });
  it.each([['an array', '[1]'], ['a string', '"x"'], ['free whitespace', '{"a":  1}'], ['text before', 'ok {}']])('rejects %s', (_, text) => {
    expect(feed(spec, text)).not.toBe('accepted');
  });
});

describe('tool_calls, hermes format', () => {
  const spec = (parallel: boolean): ConstraintSpec => ({ kind: 'tool_calls', format: 'hermes', tools: [weatherTool, searchTool], parallel });
  const call = (name: string, args: string) => `<tool_call>\n{"name": "${name}", "arguments": ${args}}\n</tool_call>`;
  const weather = call('get_weather', '{"city": "Oslo", "unit": "c"}');
  const search = call('search', '{"query": "tea", "limit": 2}');

  it('the <tool_call> tag is the added token, as Qwen writes it', () => {
    expect(tokenizer.encode(weather)[0]).toBe(qwenSpecialIds.toolCall);
  });
  it('accepts one call, or several separated by newlines when parallel', () => {
    expect(feed(spec(false), weather)).toBe('accepted');
    expect(feed(spec(true), `${weather}\n${search}\n${weather}`)).toBe('accepted');
  });
  it.each([
    ['a second call when not parallel', false, `${weather}\n${search}`],
    ['no call at all', true, ''],
    ['text before the call', true, `Sure.\n${weather}`],
    ['an unknown tool', true, call('get_time', '{}')],
    ['arguments off the schema', true, call('get_weather', '{"city": "Oslo", "unit": "k"}')],
    ['arguments before the name', true, '<tool_call>\n{"arguments": {}, "name": "search"}\n</tool_call>'],
    ['text after the calls', true, `${weather} done`],
  ])('rejects %s', (_, parallel, text) => {
    expect(feed(spec(parallel), text)).not.toBe('accepted');
  });
});

describe('auto_tool_calls, hermes format (strict tools under tool_choice "auto")', () => {
  const spec = (parallel: boolean, tools = [weatherTool, searchTool]): ConstraintSpec => ({ kind: 'auto_tool_calls', format: 'hermes', tools, parallel });
  const call = (name: string, args: string) => `<tool_call>\n{"name": "${name}", "arguments": ${args}}\n</tool_call>`;
  const weather = call('get_weather', '{"city": "Oslo", "unit": "c"}');
  const search = call('search', '{"query": "tea", "limit": 2}');

  it.each([
    ['no call at all', true, 'Hello! How can I help?'],
    ['nothing', true, ''],
    ['text with tabs, raw control characters and braces', true, 'a\tb {"name": 1} c\u0001'],
  ])('accepts %s, and a stop token in free text leaves the grammar open', (_, parallel, text) => {
    // The sequence ends on its stop token unless it ignores EOS; then more free text may follow.
    expect(feed(spec(parallel), text, qwenStopIds[0], false)).toBe('accepted');
  });

  it.each([
    ['one call after text', false, `Let me check.\n${weather}`],
    ['several calls separated by newlines', true, `${weather}\n${search}`],
    ['text again after a call', true, `${weather}\nDone.`],
  ])('accepts %s, and ends at the stop token', (_, parallel, text) => {
    expect(feed(spec(parallel), text)).toBe('accepted');
  });

  it('takes text after a stop token in free text (ignore_eos), then still forces a call', () => {
    const constraint = compiler.compile(spec(false));
    const ids = [...tokenizer.encode('Hi'), qwenStopIds[0], ...tokenizer.encode(' more'), ...tokenizer.encode(weather), qwenStopIds[0]];
    for (const id of ids) expect(constraint.acceptToken(id), `token ${id}`).toBe(true);
    expect(constraint.isTerminated()).toBe(true);
    constraint.dispose();
  });

  it.each([
    ['an unknown tool', call('get_time', '{}')],
    ['arguments off the schema', call('get_weather', '{"city": "Oslo", "unit": "k"}')],
    ['arguments with an unnamed property', call('search', '{"query": "tea", "x": 1}')],
    ['unterminated arguments', '<tool_call>\n{"name": "search", "arguments": {"query": "tea'],
    ['the name after the arguments', '<tool_call>\n{"arguments": {}, "name": "search"}\n</tool_call>'],
    ['a second call when not parallel', `${weather}\n${search}`],
  ])('once <tool_call> is written, rejects %s', (_, text) => {
    expect(feed(spec(false), text)).not.toBe('accepted');
  });

  it('a tool with strict: false takes any arguments object, still under a declared name', () => {
    const loose = spec(true, [weatherTool, { name: 'search', parameters: { type: 'object' }, strict: false }]);
    expect(feed(loose, call('search', '{"anything": [1, {"x": null}]}'))).toBe('accepted');
    expect(feed(loose, call('search', '"text"'))).not.toBe('accepted');
    expect(feed(loose, call('lookup', '{}'))).not.toBe('accepted');
  });

  it('random walks that favour the trigger: every call parses and validates, text around calls is free', () => {
    const tools = [weatherTool, searchTool];
    let withCalls = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const constraint = compiler.compile(spec(seed % 2 === 0, tools));
      const random = new Random(seed);
      const bits = mask();
      const ids: number[] = [];
      while (ids.length < 300 && !constraint.isTerminated()) {
        constraint.fillNextTokenBitmask(bits);
        const allowed = allowedIds(bits);
        // Free text allows nearly every token; reach for the trigger and for stopping now and then.
        const id = maskAllows(bits, qwenSpecialIds.toolCall) && random.next() < 0.2 ? qwenSpecialIds.toolCall
          : random.next() < 0.02 && allowed.includes(qwenStopIds[0]) ? qwenStopIds[0] : random.pick(allowed);
        expect(constraint.acceptToken(id)).toBe(true);
        ids.push(id);
      }
      constraint.dispose();
      const text = tokenizer.decode(ids.filter((id) => !qwenStopIds.includes(id as 656 | 658)));
      const blocks = [...text.matchAll(/<tool_call>(.*?)<\/tool_call>/gs)].map((match) => `<tool_call>${match[1]}</tool_call>`);
      const open = text.split('<tool_call>').length - 1;
      if (open > 0) withCalls++;
      // A walk cut at 300 tokens may end inside its last call; every closed one must be valid.
      expect(blocks.length === open || blocks.length === open - 1, `seed ${seed}: ${text}`).toBe(true);
      for (const block of blocks) expect(toolCallErrors(parseHermesCalls(block), tools), `seed ${seed}: ${block}`).toBeUndefined();
    }
    expect(withCalls).toBeGreaterThan(10);
  });
});

describe('rejected specs and schemas', () => {
  it.each([
    [{ kind: 'json_schema', schema: { type: 'nonsense' } }, 'response_format', /nonsense/],
    [{ kind: 'json_schema', schema: { type: 'integer', minimum: 5, maximum: 2 } }, 'response_format', /minimum/],
    [{ kind: 'json_schema', schema: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } } }, 'response_format', /defs|missing/],
    [{ kind: 'tool_calls', format: 'hermes', tools: [{ name: 'f', parameters: { type: 'string', pattern: '((' } }], parallel: true }, 'tools', /./],
    [{ kind: 'tool_calls', format: 'hermes', tools: [], parallel: true }, 'tools', /no tools/],
    [{ kind: 'tool_calls', format: 'hermes', tools: [weatherTool, weatherTool], parallel: true }, 'tools', /two tools/],
    [{ kind: 'json_schema', schema: 'x' }, 'response_format', /object/],
    [{ kind: 'regex' }, 'constraint', /unknown constraint kind/],
  ])('%j → invalid_argument on %s', (spec, subject, message) => {
    let thrown: unknown;
    try {
      compiler.compile(spec as ConstraintSpec);
    } catch (error) {
      thrown = error;
    }
    expect(isLlmError(thrown, 'invalid_argument'), String(thrown)).toBe(true);
    expect((thrown as { subject: string }).subject).toBe(subject);
    expect((thrown as Error).message).toMatch(message);
  });

  it('XGrammar keeps working after many rejected schemas (its stack pointer is restored)', () => {
    for (let i = 0; i < 40; i++) {
      expect(() => compiler.compile({ kind: 'json_schema', schema: { type: 'object', properties: { [`p${i}`]: { type: 'x' } } } })).toThrow(/Unsupported type/);
    }
    // A deep schema needs a deep stack: it would overflow into static data had the aborts leaked it.
    let deep: Record<string, unknown> = { type: 'integer' };
    for (let depth = 0; depth < 30; depth++) deep = { type: 'object', properties: { x: deep }, required: ['x'] };
    const text = `${'{"x": '.repeat(30)}7${'}'.repeat(30)}`;
    expect(feed({ kind: 'json_schema', schema: deep }, text)).toBe('accepted');
  });

  it('compiles each spec once', () => {
    const before = compiler.cachedGrammars;
    const spec: ConstraintSpec = { kind: 'json_schema', schema: { type: 'object', properties: { only: { type: 'boolean' } }, required: ['only'] } };
    compiler.compile(spec).dispose();
    compiler.compile(JSON.parse(JSON.stringify(spec)) as ConstraintSpec).dispose();
    expect(compiler.cachedGrammars).toBe(before + 1);
  });
});
