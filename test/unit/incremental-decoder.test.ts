/**
 * The incremental decoder's deltas concatenate to the full decode, whatever the split, and never
 * contain a broken character — checked on the fixture tokenizer with multi-byte text.
 */
import { describe, expect, it } from 'vitest';
import { IncrementalDecoder } from '../../src/text/incremental-decoder.ts';
import { loadTokenizer } from '../../src/text/tokenizer.ts';
import { openModelSource } from '../../src/hub/model-source.ts';
import { Random } from '../support/random.ts';

const fixture = new URL('../fixtures/qwen2-bf16/', import.meta.url).pathname;
const texts = ['Hello, world! The weather in Paris is 21°C.', 'café 日本語 テキスト 🙂👍 done', '  spaced   out\n\nlines\t', 'naïve façade — “quotes”'];

describe('IncrementalDecoder', () => {
  it('streams text equal to the full decode, never emitting U+FFFD', async () => {
    const tokenizer = (await loadTokenizer(openModelSource(fixture)))!;
    const random = new Random(7);
    for (const text of texts) {
      const ids = tokenizer.encode(text);
      for (let trial = 0; trial < 20; trial++) {
        const decoder = new IncrementalDecoder(tokenizer);
        let streamed = '';
        for (let i = 0; i < ids.length; ) {
          const take = random.int(1, 3);
          const delta = decoder.push(...ids.slice(i, i + take));
          expect(delta).not.toContain('\uFFFD');
          streamed += delta;
          i += take;
        }
        expect(streamed).toBe(tokenizer.decode(ids));
      }
      // One token at a time, too: the emoji spans several byte-level tokens.
      const decoder = new IncrementalDecoder(tokenizer);
      expect(ids.map((id) => decoder.push(id)).join('')).toBe(text.normalize('NFC'));
    }
  });

  it('flushes a cut-off character as U+FFFD at the end, and nothing twice', async () => {
    const tokenizer = (await loadTokenizer(openModelSource(fixture)))!;
    const ids = tokenizer.encode('ok 🙂');
    const decoder = new IncrementalDecoder(tokenizer);
    // Every token but the emoji's last byte: the emoji is still incomplete.
    const streamed = ids.slice(0, -1).map((id) => decoder.push(id)).join('');
    expect(streamed).toBe('ok ');
    const tail = decoder.flush();
    expect(tail.endsWith('\uFFFD')).toBe(true);
    expect(streamed + tail).toBe(tokenizer.decode(ids.slice(0, -1)));
    expect(decoder.flush()).toBe('');
  });
});
