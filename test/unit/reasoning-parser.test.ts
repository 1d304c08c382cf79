/** Qwen3 `<think>` splitting, whole-output and streamed, with a random-split property test. */
import { describe, expect, it } from 'vitest';
import { parseReasoning, ReasoningStreamParser, type ReasoningOptions } from '../../src/api/reasoning-parser.ts';
import type { StreamDelta } from '../../src/api/types.ts';
import { Random } from '../support/random.ts';

function stream(pieces: readonly string[], options: ReasoningOptions = {}): StreamDelta[] {
  const parser = new ReasoningStreamParser(options);
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.finish()];
}

function joined(deltas: readonly StreamDelta[]): { reasoningContent: string | null; content: string | null } {
  let reasoning = '';
  let content = '';
  for (const delta of deltas) {
    if ('reasoning_content' in delta) reasoning += delta.reasoning_content;
    else if ('content' in delta) content += delta.content;
  }
  return { reasoningContent: reasoning === '' ? null : reasoning, content: content === '' ? null : content };
}

describe('parseReasoning', () => {
  it('splits at </think>, removing a leading <think>', () => {
    expect(parseReasoning('<think>\nLet me think.\n</think>\n\nThe answer is 4.'))
      .toEqual({ reasoningContent: '\nLet me think.\n', content: '\n\nThe answer is 4.' });
  });

  it('works without the <think> start tag (the template opened it in the prompt)', () => {
    expect(parseReasoning('Hmm.</think>Answer')).toEqual({ reasoningContent: 'Hmm.', content: 'Answer' });
  });

  it('no </think>: everything is reasoning (cut off while thinking)', () => {
    expect(parseReasoning('<think>still thinking')).toEqual({ reasoningContent: 'still thinking', content: null });
    expect(parseReasoning('')).toEqual({ reasoningContent: null, content: null });
  });

  it('enable_thinking false: everything is content', () => {
    expect(parseReasoning('Just an answer.', { thinkingEnabled: false })).toEqual({ reasoningContent: null, content: 'Just an answer.' });
  });

  it('empty parts are null; only the first </think> splits; a <think> not at the start is text', () => {
    expect(parseReasoning('<think></think>Hi')).toEqual({ reasoningContent: null, content: 'Hi' });
    expect(parseReasoning('a</think>b</think>c')).toEqual({ reasoningContent: 'a', content: 'b</think>c' });
    expect(parseReasoning('x <think>y</think>z')).toEqual({ reasoningContent: 'x <think>y', content: 'z' });
    expect(parseReasoning('  <think>y</think>')).toEqual({ reasoningContent: 'y', content: null });
  });
});

describe('ReasoningStreamParser', () => {
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

  it('enable_thinking false streams content untouched', () => {
    expect(stream(['<think>a', '</think>b'], { thinkingEnabled: false })).toEqual([{ content: '<think>a' }, { content: '</think>b' }]);
  });
});

describe('streamed reasoning equals parseReasoning', () => {
  const PIECES = ['<think>', '</think>', '<', '</', '<th', '</thi', 'nk>', 'think', ' ', '\n', 'word', 'é', '😀', '>'];

  it('10,000 random splits of random outputs', () => {
    const random = new Random(7);
    for (let trial = 0; trial < 10_000; trial++) {
      let value = random.next() < 0.3 ? random.pick([' ', '\n', '']) : '';
      for (let i = random.int(0, 10); i > 0; i--) value += random.pick(PIECES);
      const options = { thinkingEnabled: random.next() < 0.85 };
      const pieces: string[] = [];
      for (let i = 0; i < value.length; ) {
        const size = random.int(1, 5);
        pieces.push(value.slice(i, i + size));
        i += size;
      }
      expect(joined(stream(pieces, options)), JSON.stringify(value)).toEqual(parseReasoning(value, options));
    }
  });
});
