/** Stop strings across delta boundaries: never emitted, partial matches held back, nothing lost. */
import { describe, expect, it } from 'vitest';
import { StopStringMatcher } from '../../src/api/stop-strings.ts';
import { Random } from '../support/random.ts';

/** What the whole text gives: everything before the earliest stop occurrence. */
function reference(text: string, stops: readonly string[]): { text: string; stop: string | undefined } {
  let cut = -1;
  let stop: string | undefined;
  for (const candidate of stops) {
    const at = text.indexOf(candidate);
    if (at >= 0 && (cut < 0 || at < cut)) {
      cut = at;
      stop = candidate;
    }
  }
  return stop === undefined ? { text, stop } : { text: text.slice(0, cut), stop };
}

function stream(deltas: readonly string[], stops: readonly string[]): { text: string; stop: string | undefined; emitted: string[] } {
  const matcher = new StopStringMatcher(stops);
  const emitted: string[] = [];
  let stop: string | undefined;
  for (const delta of deltas) {
    const match = matcher.push(delta);
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
      const got = stream(deltas, stops);
      const expected = reference(text, stops);
      const label = JSON.stringify({ text, stops, deltas });
      expect(got.text, label).toBe(expected.text);
      // Stops that start at the same place: the stream reports the one completed first.
      expect(got.stop === undefined, label).toBe(expected.stop === undefined);
      if (got.stop !== undefined) expect(text.startsWith(got.stop, got.text.length), label).toBe(true);
    }
  });
});
