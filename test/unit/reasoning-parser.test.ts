/**
 * The qwen3 and deepseek_r1 reasoning parsers, whole-output and streamed: vLLM's cases (re-derived
 * in test/support/reasoning-cases.ts) under every one- and two-cut split and one character at a
 * time, the hold-back behaviour delta by delta, and a random-split property test that the
 * concatenated deltas equal the whole-output parse for any split.
 */
import { describe, expect, it } from 'vitest';
import { parseReasoning, ReasoningStreamParser, type ReasoningOptions, type ReasoningSplit } from '../../src/chat/reasoning-parser.ts';
import type { StreamDelta } from '../../src/chat/types.ts';
import { HERMES_CALL, reasoningCases, type ReasoningCase } from '../support/reasoning-cases.ts';
import { Random } from '../support/random.ts';

function stream(pieces: readonly string[], options: ReasoningOptions = {}): StreamDelta[] {
  const parser = new ReasoningStreamParser(options);
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.finish()];
}

/** What a client folding the deltas holds: null for a part that never got a delta. */
function joined(deltas: readonly StreamDelta[]): ReasoningSplit {
  let reasoning: string | null = null;
  let content: string | null = null;
  for (const delta of deltas) {
    if ('reasoning_content' in delta) reasoning = (reasoning ?? '') + delta.reasoning_content;
    else if ('content' in delta) content = (content ?? '') + delta.content;
  }
  return { reasoningContent: reasoning, content };
}

/** Every split of `text` with one or two cuts, and one character per delta. */
function* splits(text: string): Generator<string[]> {
  yield [text];
  yield [...text];
  for (let i = 1; i < text.length; i++) {
    yield [text.slice(0, i), text.slice(i)];
    for (let j = i + 1; j < text.length; j++) yield [text.slice(0, i), text.slice(i, j), text.slice(j)];
  }
}

const optionsOf = (testCase: ReasoningCase): ReasoningOptions => ({ parser: testCase.parser, ...(testCase.thinkingEnabled === undefined ? {} : { thinkingEnabled: testCase.thinkingEnabled }) });

describe.each(['qwen3', 'deepseek_r1'] as const)('%s on vLLM\'s cases', (parser) => {
  const cases = reasoningCases.filter((testCase) => testCase.parser === parser);

  it.each(cases.map((testCase) => [testCase.name, testCase] as const))('%s, whole', (_, testCase) => {
    expect(parseReasoning(testCase.output, optionsOf(testCase))).toEqual({ reasoningContent: testCase.reasoning, content: testCase.content });
  });

  it.each(cases.map((testCase) => [testCase.name, testCase] as const))('%s, streamed under every one- and two-cut split', (_, testCase) => {
    const expected = { reasoningContent: testCase.reasoning, content: testCase.content };
    for (const pieces of splits(testCase.output)) {
      expect(joined(stream(pieces, optionsOf(testCase))), JSON.stringify(pieces)).toEqual(expected);
    }
  });
});

describe('the rules in detail', () => {
  it('a qwen3 </think> wins over an earlier <tool_call>, however the text is split', () => {
    const output = `<think>Maybe ${HERMES_CALL}, maybe not.</think>\n\nNo call needed.`;
    expect(parseReasoning(output)).toEqual({ reasoningContent: `Maybe ${HERMES_CALL}, maybe not.`, content: '\n\nNo call needed.' });
  });

  it('only the first </think> splits; empty content is null', () => {
    expect(parseReasoning('a</think>b</think>c', { parser: 'deepseek_r1' })).toEqual({ reasoningContent: 'a', content: 'b</think>c' });
    expect(parseReasoning('  <think>y</think>')).toEqual({ reasoningContent: 'y', content: null });
    expect(parseReasoning('a</think>b<think>c')).toEqual({ reasoningContent: 'a', content: 'b<think>c' });
  });

  it('the default parser is qwen3 with thinking on', () => {
    expect(parseReasoning(`Hm.${HERMES_CALL}`)).toEqual(parseReasoning(`Hm.${HERMES_CALL}`, { parser: 'qwen3', thinkingEnabled: true }));
    expect(parseReasoning(`Hm.${HERMES_CALL}`)).toEqual({ reasoningContent: 'Hm.', content: HERMES_CALL });
  });

  it('never throws, whatever the text', () => {
    const random = new Random(3);
    const alphabet = ['<', '>', '/', 't', 'h', 'i', 'n', 'k', '_', 'o', 'l', 'c', 'a', '\n', ' ', '\uD800', '\uDC00', '😀', '\0'];
    for (let trial = 0; trial < 2000; trial++) {
      let text = '';
      for (let i = random.int(0, 40); i > 0; i--) text += random.pick(alphabet);
      for (const parser of ['qwen3', 'deepseek_r1'] as const) {
        expect(() => parseReasoning(text, { parser, thinkingEnabled: random.next() < 0.5 })).not.toThrow();
      }
    }
  });
});

describe('ReasoningStreamParser hold-back', () => {
  it('holds back a partial </think> and splits inside the delta that holds it', () => {
    const parser = new ReasoningStreamParser();
    expect(parser.push('<thi')).toEqual([]);
    expect(parser.push('nk>Step 1 </th')).toEqual([{ reasoning_content: 'Step 1 ' }]);
    expect(parser.push('ink>\n\nDone')).toEqual([{ content: '\n\nDone' }]);
    expect(parser.push(' now')).toEqual([{ content: ' now' }]);
    expect(parser.finish()).toEqual([]);
  });

  it('a held-back prefix that does not become a tag is flushed as reasoning', () => {
    expect(stream(['<th', 'x'])).toEqual([{ reasoning_content: '<thx' }]);
    expect(stream(['a </thi'])).toEqual([{ reasoning_content: 'a ' }, { reasoning_content: '</thi' }]);
  });

  it('qwen3: text from a <tool_call> (arriving split) waits until the output ends, then is content', () => {
    const parser = new ReasoningStreamParser({ parser: 'qwen3' });
    expect(parser.push('Let me check.\n<tool')).toEqual([{ reasoning_content: 'Let me check.\n' }]);
    expect(parser.push('_call>\n{"name": "f", ')).toEqual([]);
    expect(parser.push('"arguments": {}}\n</tool_call>')).toEqual([]);
    expect(parser.finish()).toEqual([{ content: '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>' }]);
  });

  it('qwen3: a </think> after a held <tool_call> sends it as reasoning after all', () => {
    const parser = new ReasoningStreamParser({ parser: 'qwen3' });
    expect(parser.push('a<tool_call>b')).toEqual([{ reasoning_content: 'a' }]);
    expect(parser.push('</think>c')).toEqual([{ reasoning_content: '<tool_call>b' }, { content: 'c' }]);
  });

  it('deepseek_r1: <tool_call> is reasoning text, streamed at once', () => {
    const parser = new ReasoningStreamParser({ parser: 'deepseek_r1' });
    expect(parser.push('a<tool_call>b')).toEqual([{ reasoning_content: 'a<tool_call>b' }]);
  });

  it('leading whitespace waits to see whether <think> follows', () => {
    const parser = new ReasoningStreamParser({ parser: 'deepseek_r1' });
    expect(parser.push('\n')).toEqual([]);
    expect(parser.push('Okay')).toEqual([{ reasoning_content: '\nOkay' }]);
  });

  it('an empty closed think block sends reasoning_content "" once', () => {
    const parser = new ReasoningStreamParser({ parser: 'deepseek_r1' });
    expect(parser.push('</think>')).toEqual([{ reasoning_content: '' }]);
    expect(parser.push('Hi')).toEqual([{ content: 'Hi' }]);
    expect(parser.finish()).toEqual([]);
  });

  it('qwen3 with enable_thinking false streams content untouched, tags and all', () => {
    expect(stream(['<think>a', '</think>b', '<tool_call>'], { thinkingEnabled: false })).toEqual([{ content: '<think>a' }, { content: '</think>b' }, { content: '<tool_call>' }]);
  });
});

describe('streamed reasoning equals parseReasoning', () => {
  const PIECES = ['<think>', '</think>', '<tool_call>', '</tool_call>', '<', '</', '<th', '</thi', '<tool_', 'nk>', 'call>', 'think', ' ', '\n', 'word', 'é', '😀', '>'];

  it('10,000 random splits of random outputs, both parsers, thinking on and off', () => {
    const random = new Random(7);
    for (let trial = 0; trial < 10_000; trial++) {
      let value = random.next() < 0.3 ? random.pick([' ', '\n', '']) : '';
      for (let i = random.int(0, 10); i > 0; i--) value += random.pick(PIECES);
      const options = { parser: random.pick(['qwen3', 'deepseek_r1'] as const), thinkingEnabled: random.next() < 0.85 };
      const pieces: string[] = [];
      for (let i = 0; i < value.length; ) {
        const size = random.int(1, 5);
        pieces.push(value.slice(i, i + size));
        i += size;
      }
      expect(joined(stream(pieces, options)), `${JSON.stringify(value)} ${JSON.stringify(options)}`).toEqual(parseReasoning(value, options));
    }
  });

  it('a long output streams in linear time (tags are not searched for again)', () => {
    const parser = new ReasoningStreamParser({ parser: 'qwen3' });
    const started = performance.now();
    let sent = 0;
    for (let i = 0; i < 50_000; i++) sent += parser.push('word </thi').length;
    expect(sent).toBe(50_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
