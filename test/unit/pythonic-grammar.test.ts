/**
 * The pythonic-call grammars on CPU (XGrammar's wasm in Node) with the qwen2 fixture tokenizer,
 * compiled as the structural tag `{"type": "grammar"}` the engine uses: valid calls, fed token by
 * token, are allowed by every mask and accepted; invalid ones are refused; random walks through
 * the masks always produce text the pythonic parser reads into calls whose arguments validate
 * (ajv) against their tool's schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePythonicToolCalls } from '../../src/chat/pythonic-tool-parser.ts';
import type { ToolSignature } from '../../src/constraint/constraint-spec.ts';
import { pythonicArgumentsEbnf, pythonicCallsGrammar } from '../../src/constraint/pythonic-grammar.ts';
import { maskAllows, maskWords, type TokenConstraint } from '../../src/constraint/token-constraint.ts';
import { tokenBytes, xgrammarVocabulary } from '../../src/constraint/token-vocabulary.ts';
import { Utf8Validity } from '../../src/constraint/utf8-validity.ts';
import { XGrammarConstraint } from '../../src/constraint/xgrammar-constraint.ts';
import { loadXGrammar, type CompilerHandle, type XGrammarRuntime } from '../../src/constraint/xgrammar-runtime.ts';
import { isLlmError } from '../../src/errors.ts';
import type { TextTokenizer } from '../../src/text/tokenizer.ts';
import { qwenStopIds, qwenTokenizer, qwenVocabSize, recordSchema, searchTool, toolCallErrors, weatherTool } from '../support/constraint-cases.ts';
import { Random } from '../support/random.ts';
import type * as XGrammar from '@mlc-ai/web-xgrammar';

const saveTool: ToolSignature = { name: 'save', parameters: recordSchema };
const configureTool: ToolSignature = {
  name: 'configure',
  parameters: {
    type: 'object',
    properties: {
      mode: { const: 'fast' },
      level: { enum: [1, 2.5, 'max', null, true] },
      ratio: { type: 'number' },
      note: { type: ['string', 'null'], maxLength: 4 },
      flags: { type: 'array', items: { type: 'boolean' }, minItems: 1, maxItems: 3 },
      where: {
        type: 'object',
        properties: { x: { type: 'integer', minimum: -3, maximum: 3 }, y: { anyOf: [{ type: 'integer', minimum: 0, maximum: 2 }, { type: 'null' }] } },
        required: ['x'],
      },
    },
    required: ['mode', 'level', 'flags'],
  },
};
const tools = [weatherTool, searchTool, saveTool, configureTool];

let tokenizer: TextTokenizer;
let runtime: XGrammarRuntime;
let info: XGrammar.TokenizerInfo;
let compiler: XGrammar.GrammarCompiler;
let validity: Utf8Validity;

beforeAll(async () => {
  tokenizer = qwenTokenizer();
  runtime = await loadXGrammar();
  const vocabulary = xgrammarVocabulary(tokenizer.vocabulary(), qwenVocabSize);
  validity = new Utf8Validity(tokenBytes(vocabulary), qwenVocabSize);
  info = await runtime.api.TokenizerInfo.createTokenizerInfo(vocabulary.encodedVocab, vocabulary.vocabType, vocabulary.prependSpace, qwenVocabSize, [...qwenStopIds]);
  compiler = await runtime.api.GrammarCompiler.createGrammarCompiler(info, false);
});
afterAll(() => {
  compiler?.dispose();
  info?.dispose();
});

/** Compiles EBNF the way the engine does: a structural tag whose format is the grammar. */
function constrain(grammar: string): TokenConstraint {
  const tag = JSON.stringify({ type: 'structural_tag', format: { type: 'grammar', grammar } });
  const compiled = runtime.call(() => (compiler.handle as CompilerHandle).CompileStructuralTag(tag));
  try {
    return new XGrammarConstraint(runtime, runtime.call(() => new runtime.Matcher(compiled, undefined, false, -1)), qwenVocabSize, validity);
  } finally {
    compiled.delete();
  }
}

const mask = () => new Uint32Array(maskWords(qwenVocabSize));
const allowedIds = (bits: Uint32Array) => Array.from({ length: qwenVocabSize }, (_, id) => id).filter((id) => maskAllows(bits, id));

/** Feeds `text` as encoded, then a stop token: the index of the first refused token, or 'accepted'. */
function feed(grammar: string, text: string): number | 'accepted' {
  const constraint = constrain(grammar);
  try {
    const ids = [...tokenizer.encode(text), qwenStopIds[0]];
    const bits = mask();
    for (const [i, id] of ids.entries()) {
      constraint.fillNextTokenBitmask(bits);
      const allowed = maskAllows(bits, id);
      expect(constraint.acceptToken(id), `token ${i}`).toBe(allowed);
      if (!allowed) return i;
    }
    expect(constraint.isTerminated()).toBe(true);
    return 'accepted';
  } finally {
    constraint.dispose();
  }
}

const required = (parallel: boolean) => pythonicCallsGrammar(tools, { parallel, auto: false });
const auto = pythonicCallsGrammar(tools, { parallel: true, auto: true });
const weatherCall = '[get_weather(city="Oslo", unit="c")]';

describe('pythonicCallsGrammar', () => {
  it.each([
    ['one call', weatherCall],
    ['optional arguments left out and given', '[search(query="tides"), search(query="a \\"b\\"\\n", limit=3)]'],
    ['nested dicts and lists, True/False', '[save(color="red", count=42, label="x y", tags=[{"id": 3, "on": True}, {"id": 9, "on": False}])]'],
    ['enum, const, anyOf and type lists', '[configure(mode="fast", level=2.5, ratio=-1.5e3, note=None, flags=[True], where={"x": -3, "y": None})]'],
  ])('required, parallel: accepts %s token by token', (_, text) => {
    expect(feed(required(true), text)).toBe('accepted');
    expect(parsePythonicToolCalls(text).toolCalls.length).toBeGreaterThan(0); // the parser reads what the grammar allows
  });

  it.each([
    ['an unknown tool', '[get_time(city="Oslo", unit="c")]'],
    ['a missing required argument', '[get_weather(city="Oslo")]'],
    ['arguments out of schema order', '[get_weather(unit="c", city="Oslo")]'],
    ['a string where an integer belongs', '[search(query="x", limit="3")]'],
    ['an integer out of range', '[search(query="x", limit=6)]'],
    ["JSON's true instead of True", '[save(color="red", count=1, label="", tags=[{"id": 1, "on": true}])]'],
    ['single-quoted strings', "[get_weather(city='Oslo', unit='c')]"],
    ['a value outside the enum', '[get_weather(city="Oslo", unit="k")]'],
    ['a string over maxLength', '[get_weather(city="Llanfairpwll", unit="c")]'],
    ['an escape JSON and Python read differently', '[search(query="a\\/b")]'],
    ['free whitespace', '[get_weather(city = "Oslo", unit="c")]'],
    ['free text', 'I will check the weather.'],
    ['text after the list', `${weatherCall} ok`],
  ])('required: refuses %s', (_, text) => {
    expect(feed(required(true), text)).not.toBe('accepted');
  });

  it('not parallel: exactly one call', () => {
    expect(feed(required(false), weatherCall)).toBe('accepted');
    expect(feed(required(false), '[search(query="a"), search(query="b")]')).not.toBe('accepted');
  });

  it('auto: a call list, or free text that does not start with `[`', () => {
    expect(feed(auto, weatherCall)).toBe('accepted');
    expect(feed(auto, 'It is sunny [really] in Oslo.')).toBe('accepted');
    expect(feed(auto, '')).toBe('accepted');
    expect(feed(auto, '  [get_weather(city="Oslo", unit="c")]')).not.toBe('accepted');
    expect(feed(auto, '[1, 2, 3] are the numbers')).not.toBe('accepted');
    expect(feed(auto, '[get_weather(city="Oslo")]')).not.toBe('accepted');
  });

  it('refuses tool names and required parameters a Python call cannot spell, naming them', () => {
    const refused = (signature: ToolSignature) => {
      try {
        pythonicCallsGrammar([signature], { parallel: false, auto: false });
      } catch (error) {
        return isLlmError(error) && error.code === 'invalid_argument' ? error.message : `other: ${String(error)}`;
      }
      return 'accepted';
    };
    expect(refused({ name: 'get-weather', parameters: {} })).toMatch(/"get-weather"/);
    expect(refused({ name: 'class', parameters: {} })).toMatch(/"class"/);
    expect(refused({ name: 'f', parameters: { type: 'object', properties: { 'first-name': { type: 'string' } }, required: ['first-name'] } }))
      .toMatch(/"first-name"/);
    // An optional one is simply never written.
    expect(refused({ name: 'f', parameters: { type: 'object', properties: { 'first-name': { type: 'string' } } } })).toBe('accepted');
  });
});

describe('pythonicArgumentsEbnf', () => {
  it('strict: the declared keywords in order, required ones present', () => {
    const grammar = pythonicArgumentsEbnf(weatherTool.parameters, true);
    expect(feed(grammar, 'city="Oslo", unit="f"')).toBe('accepted');
    expect(feed(grammar, 'unit="f", city="Oslo"')).not.toBe('accepted');
    expect(feed(grammar, 'city="Oslo"')).not.toBe('accepted');
    expect(feed(grammar, 'city="Oslo", unit="f", extra=1')).not.toBe('accepted');
  });

  it('not strict, or no properties: any keywords with any literal values', () => {
    const anything = 'anything=[1, -2.5, {"a": None}], b=True, c="x"';
    expect(feed(pythonicArgumentsEbnf(weatherTool.parameters, false), anything)).toBe('accepted');
    expect(feed(pythonicArgumentsEbnf({ type: 'object' }, true), anything)).toBe('accepted');
    expect(feed(pythonicArgumentsEbnf({ type: 'object' }, true), '')).toBe('accepted');
    expect(feed(pythonicArgumentsEbnf({ type: 'object' }, true), 'a=true')).not.toBe('accepted');
  });
});

/** After `prefix`, walks uniformly random allowed tokens until the grammar ends (or `maxTokens`). */
function randomWalk(grammar: string, random: Random, maxTokens: number, prefix = ''): { text: string; terminated: boolean } {
  const constraint = constrain(grammar);
  const ids = tokenizer.encode(prefix);
  for (const id of ids) expect(constraint.acceptToken(id)).toBe(true);
  const bits = mask();
  while (ids.length < maxTokens && !constraint.isTerminated()) {
    constraint.fillNextTokenBitmask(bits);
    const id = random.pick(allowedIds(bits));
    expect(constraint.acceptToken(id)).toBe(true);
    ids.push(id);
  }
  const terminated = constraint.isTerminated();
  constraint.dispose();
  return { text: tokenizer.decode(ids.filter((id) => !(qwenStopIds as readonly number[]).includes(id))), terminated };
}

function callErrors(text: string): string | undefined {
  const { toolCalls } = parsePythonicToolCalls(text);
  if (toolCalls.length === 0) return 'no calls parsed';
  return toolCallErrors(toolCalls.map((call) => ({ name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown })), tools);
}

describe('random walks through the masks', () => {
  it('required: every finished walk parses into calls with valid arguments', () => {
    for (const parallel of [true, false]) {
      for (let seed = 1; seed <= 25; seed++) {
        const { text, terminated } = randomWalk(required(parallel), new Random(seed), 600);
        expect(terminated, `seed ${seed}: ${text}`).toBe(true);
        expect(callErrors(text), `seed ${seed}: ${text}`).toBeUndefined();
        if (!parallel) expect(parsePythonicToolCalls(text).toolCalls).toHaveLength(1);
      }
    }
  });

  it('auto: a walk that starts a list finishes valid calls; other text is content', () => {
    let lists = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const random = new Random(seed);
      const grammar = random.next() < 0.5 ? auto : pythonicCallsGrammar(tools, { parallel: false, auto: true });
      // A random token is rarely `[`: half the walks are started with it.
      const { text, terminated } = randomWalk(grammar, random, 400, seed % 2 === 0 ? '[' : '');
      if (text.startsWith('[')) {
        lists++;
        expect(terminated, `seed ${seed}: ${text}`).toBe(true);
        expect(callErrors(text), `seed ${seed}: ${text}`).toBeUndefined();
      } else {
        expect(text.trimStart().startsWith('['), `seed ${seed}: ${text}`).toBe(false);
        expect(parsePythonicToolCalls(text).toolCalls).toEqual([]);
      }
    }
    expect(lists).toBeGreaterThanOrEqual(15);
  });
});
