/**
 * Constrained tool calls in the Llama 3 JSON and Mistral formats (XGrammar's wasm on CPU, with the
 * qwen2 fixture tokenizer, where `[TOOL_CALLS]` is plain text): "required" accepts exactly the
 * calls each family writes and nothing else, strict tools under "auto" leave text free until a
 * call opens, and every random walk through the masks is text that the family's own parser reads
 * as calls to declared tools with valid arguments. (Hermes is in constraint-grammar.test.ts,
 * pythonic in pythonic-grammar.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llama3JsonToolParser } from '../../src/chat/llama3-json-tool-parser.ts';
import { mistralToolParser } from '../../src/chat/mistral-tool-parser.ts';
import type { ToolCallParser } from '../../src/chat/tool-parser.ts';
import type { ConstraintSpec, ToolCallFormat } from '../../src/constraint/constraint-spec.ts';
import { maskAllows, maskWords, type TokenConstraint } from '../../src/constraint/token-constraint.ts';
import { createXGrammarCompiler, type XGrammarCompiler } from '../../src/constraint/xgrammar-compiler.ts';
import type { TextTokenizer } from '../../src/text/tokenizer.ts';
import { qwenStopIds, qwenTokenizer, qwenVocabSize, searchTool, toolCallErrors, weatherTool } from '../support/constraint-cases.ts';
import { Random } from '../support/random.ts';

let tokenizer: TextTokenizer;
let compiler: XGrammarCompiler;

beforeAll(async () => {
  tokenizer = qwenTokenizer();
  compiler = await createXGrammarCompiler({ tokenizer, stopTokenIds: qwenStopIds, vocabSize: qwenVocabSize });
});
afterAll(() => compiler?.dispose());

const tools = [weatherTool, searchTool];
const spec = (format: ToolCallFormat, kind: 'tool_calls' | 'auto_tool_calls', parallel: boolean): ConstraintSpec => ({ kind, format, tools, parallel });

/** Feeds `text` as encoded, then a stop token: 'accepted', or the index of the first refused token. */
function feed(constraint: ConstraintSpec, text: string, terminates = true): number | 'accepted' {
  const compiled = compiler.compile(constraint);
  try {
    const ids = [...tokenizer.encode(text), qwenStopIds[0]];
    const bits = new Uint32Array(maskWords(qwenVocabSize));
    for (const [i, id] of ids.entries()) {
      compiled.fillNextTokenBitmask(bits);
      const allowed = maskAllows(bits, id);
      expect(compiled.acceptToken(id)).toBe(allowed);
      if (!allowed) return i;
    }
    expect(compiled.isTerminated()).toBe(terminates);
    return 'accepted';
  } finally {
    compiled.dispose();
  }
}

function walk(constraint: TokenConstraint, random: Random, maxTokens: number): { text: string; terminated: boolean } {
  const bits = new Uint32Array(maskWords(qwenVocabSize));
  const ids: number[] = [];
  while (ids.length < maxTokens && !constraint.isTerminated()) {
    constraint.fillNextTokenBitmask(bits);
    const allowed = Array.from({ length: qwenVocabSize }, (_, id) => id).filter((id) => maskAllows(bits, id));
    const id = random.pick(allowed);
    expect(constraint.acceptToken(id)).toBe(true);
    ids.push(id);
  }
  return { text: tokenizer.decode(ids.filter((id) => !(qwenStopIds as readonly number[]).includes(id))), terminated: constraint.isTerminated() };
}

const formats: { format: ToolCallFormat; parser: ToolCallParser; call: (name: string, args: string) => string; join: (calls: string[]) => string }[] = [
  {
    format: 'llama3_json', parser: llama3JsonToolParser({ tools: [] }),
    call: (name, args) => `{"name": "${name}", "parameters": ${args}}`, join: (calls) => calls.join('; '),
  },
  {
    format: 'mistral', parser: mistralToolParser({ tools: [] }),
    call: (name, args) => `{"name": "${name}", "arguments": ${args}}`, join: (calls) => `[TOOL_CALLS] [${calls.join(', ')}]`,
  },
];

describe.each(formats)('$format', ({ format, parser, call, join }) => {
  const weather = call('get_weather', '{"city": "Oslo", "unit": "c"}');
  const search = call('search', '{"query": "tea", "limit": 2}');

  it('required: one call, or several when parallel, in the family\'s own shape', () => {
    expect(feed(spec(format, 'tool_calls', false), join([weather]))).toBe('accepted');
    expect(feed(spec(format, 'tool_calls', true), join([weather, search]))).toBe('accepted');
    expect(feed(spec(format, 'tool_calls', false), join([weather, search]))).not.toBe('accepted');
  });

  it.each([
    ['text first', (text: string) => `Sure. ${text}`],
    ['an unknown tool', () => join([call('get_time', '{}')])],
    ['arguments off the schema', () => join([call('get_weather', '{"city": "Oslo", "unit": "k"}')])],
    ['an unnamed property', () => join([call('search', '{"query": "tea", "x": 1}')])],
    ['hermes tags', () => `<tool_call>\n{"name": "search", "arguments": {"query": "tea"}}\n</tool_call>`],
  ])('required rejects %s', (_, make) => {
    expect(feed(spec(format, 'tool_calls', true), make(weather))).not.toBe('accepted');
  });

  it('auto: free text with no call is accepted and a stop token leaves the grammar open', () => {
    expect(feed(spec(format, 'auto_tool_calls', true), 'Hello there, how can I help?', false)).toBe('accepted');
  });

  it('auto: once a call opens it must be a declared tool with valid arguments', () => {
    expect(feed(spec(format, 'auto_tool_calls', false), join([weather]))).toBe('accepted');
    expect(feed(spec(format, 'auto_tool_calls', false), join([call('get_time', '{}')]))).not.toBe('accepted');
    expect(feed(spec(format, 'auto_tool_calls', false), join([call('get_weather', '{"city": 3}')]))).not.toBe('accepted');
  });

  it('random walks under "required" are calls the family\'s parser reads, valid against the schemas', () => {
    for (const parallel of [true, false]) {
      for (let seed = 1; seed <= 12; seed++) {
        const constraint = compiler.compile(spec(format, 'tool_calls', parallel));
        const { text, terminated } = walk(constraint, new Random(seed), 400);
        constraint.dispose();
        expect(terminated, `seed ${seed}: ${text}`).toBe(true);
        const parsed = parser.parse(text);
        expect(parsed.toolCalls.length, `seed ${seed}: ${text}`).toBeGreaterThan(0);
        if (!parallel) expect(parsed.toolCalls).toHaveLength(1);
        expect(parsed.content ?? '', text).toBe('');
        const calls = parsed.toolCalls.map((c) => ({ name: c.function.name, arguments: JSON.parse(c.function.arguments) as unknown }));
        expect(toolCallErrors(calls, tools), text).toBeUndefined();
      }
    }
  });
});
