/**
 * Stop strings across delta boundaries: never emitted (unless asked), partial matches held back,
 * nothing lost; text pushed before checking starts (min_tokens) ends no match.
 */
import { describe, expect, it } from 'vitest';
import { StopStringMatcher } from '../../src/text/stop-strings.ts';
import { Random } from '../support/random.ts';

/** What the whole text gives: everything before the earliest stop occurrence ending after `unchecked` characters. */
function reference(text: string, stops: readonly string[], unchecked = 0): { text: string; stop: string | undefined } {
  let cut = -1;
  let stop: string | undefined;
  for (const candidate of stops) {
    const at = text.indexOf(candidate, Math.max(0, unchecked - candidate.length + 1));
    if (at >= 0 && (cut < 0 || at < cut)) {
      cut = at;
      stop = candidate;
    }
  }
  return stop === undefined ? { text, stop } : { text: text.slice(0, cut), stop };
}

/** Streams `deltas`, the first `uncheckedDeltas` of them with checking off. */
function stream(deltas: readonly string[], stops: readonly string[], { include = false, uncheckedDeltas = 0 } = {}): { text: string; stop: string | undefined; emitted: string[] } {
  const matcher = new StopStringMatcher(stops, include);
  const emitted: string[] = [];
  let stop: string | undefined;
  for (const [index, delta] of deltas.entries()) {
    const match = matcher.push(delta, index >= uncheckedDeltas);
    emitted.push(match.text);
    stop ??= match.stop;
  }
  const last = matcher.flush();
  emitted.push(last.text);
  stop ??= last.stop;
  return { text: emitted.join(''), stop, emitted };
}

describe('StopStringMatcher', () => {
  it('stops before a stop string split over deltas and never emits any of it', () => {
    const result = stream(['Hello wor', 'ld. ', 'EN', 'D here'], ['END']);
    expect(result).toMatchObject({ text: 'Hello world. ', stop: 'END' });
    // "EN" was held back, not emitted, while it could still become "END".
    expect(result.emitted).toEqual(['Hello wor', 'ld. ', '', '', '']);
  });

  it('releases held text when the match fails, and at the end', () => {
    expect(stream(['a <', '|e'], ['<|end|>']).emitted).toEqual(['a ', '', '<|e']);
    expect(stream(['a <', '|x'], ['<|end|>']).emitted).toEqual(['a ', '<|x', '']);
    expect(stream(['a <', '|y', 'z'], ['<|end|>']).text).toBe('a <|yz');
  });

  it('takes the earliest of several stop strings', () => {
    expect(stream(['one two three'], ['three', 'two'])).toMatchObject({ text: 'one ', stop: 'two' });
  });

  it('include_stop_str_in_output: the stop string ends the text', () => {
    expect(stream(['Hello wor', 'ld. ', 'EN', 'D here'], ['END'], { include: true })).toMatchObject({ text: 'Hello world. END', stop: 'END' });
  });

  it('min_tokens: a stop string that ends in unchecked text does not stop; one that ends after it does', () => {
    expect(stream(['a END b', ' END c'], ['END'], { uncheckedDeltas: 1 })).toMatchObject({ text: 'a END b ', stop: 'END' });
    // Started while unchecked, completed after: it stops, as vLLM's look-back does.
    expect(stream(['a EN', 'D c'], ['END'], { uncheckedDeltas: 1 })).toMatchObject({ text: 'a ', stop: 'END' });
    expect(stream(['a END'], ['END'], { uncheckedDeltas: 1 })).toMatchObject({ text: 'a END', stop: undefined });
  });

  it('equals the whole-text result for 10,000 random texts and splits', () => {
    const random = new Random(41);
    const alphabet = ['a', 'b', 'c', '\n', 'é', '😀', ' '];
    for (let c = 0; c < 10_000; c++) {
      const text = Array.from({ length: random.int(0, 30) }, () => random.pick(alphabet)).join('');
      const stops = Array.from({ length: random.int(1, 3) }, () => Array.from({ length: random.int(1, 4) }, () => random.pick(alphabet)).join(''));
      const deltas: string[] = [];
      for (let i = 0; i < text.length;) {
        const length = random.int(0, 5);
        deltas.push(text.slice(i, i + length));
        i += length;
      }
      const uncheckedDeltas = random.int(0, 2) === 0 ? random.int(0, deltas.length) : 0;
      const include = random.int(0, 1) === 1;
      const got = stream(deltas, stops, { include, uncheckedDeltas });
      const expected = reference(text, stops, deltas.slice(0, uncheckedDeltas).join('').length);
      const label = JSON.stringify({ text, stops, deltas, uncheckedDeltas, include });
      // Stops that start at the same place: the stream reports the one completed first.
      expect(got.stop === undefined, label).toBe(expected.stop === undefined);
      const cut = got.text.length - (include && got.stop !== undefined ? got.stop.length : 0);
      expect(got.text.slice(0, cut), label).toBe(expected.text);
      if (got.stop !== undefined) expect(text.startsWith(got.stop, cut), label).toBe(true);
    }
  });
});
