/**
 * Checking tool-call parsers: concatenating streamed deltas under the OpenAI ordering rules,
 * streaming a list of pieces, random splits, and random JSON written with the model's own spacing
 * (so a parser that re-serializes arguments shows up).
 */
import { expect } from 'vitest';
import type { ToolCallParser } from '../../src/chat/tool-parser.ts';
import type { StreamDelta } from '../../src/chat/types.ts';
import type { Random } from './random.ts';

export interface Streamed { content: string; calls: { id: string; name: string; arguments: string }[] }

/** Concatenates deltas per field, checking the OpenAI ordering rules on the way. */
export function collect(deltas: readonly StreamDelta[]): Streamed {
  const out: Streamed = { content: '', calls: [] };
  for (const delta of deltas) {
    if ('content' in delta) out.content += delta.content;
    else if ('reasoning_content' in delta) throw new Error('a tool parser sent reasoning');
    else for (const piece of delta.tool_calls) {
      if (piece.id !== undefined) {
        expect(piece.index).toBe(out.calls.length); // call i+1 starts only after call i's header
        expect(piece.type).toBe('function');
        expect(piece.function.name).toBeTruthy();
        out.calls.push({ id: piece.id, name: piece.function.name ?? '', arguments: piece.function.arguments ?? '' });
      } else {
        expect(piece.function.name).toBeUndefined();
        expect(piece.function.arguments).toBeTruthy(); // no empty fragments
        const target = out.calls[piece.index];
        expect(target).toBeDefined();
        if (target) target.arguments += piece.function.arguments ?? '';
      }
    }
  }
  return out;
}

/** All deltas of one output fed in the given pieces. */
export function streamPieces(parser: ToolCallParser, pieces: readonly string[]): StreamDelta[] {
  const stream = parser.stream();
  return [...pieces.flatMap((piece) => stream.push(piece)), ...stream.finish()];
}

/** Code points one at a time (never splits a surrogate pair, as a detokenizer would not). */
export const chars = (text: string): string[] => Array.from(text);

/** Mostly small pieces, sometimes all the rest at once; may split surrogate pairs. */
export function randomSplit(random: Random, value: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < value.length; ) {
    const size = random.next() < 0.05 ? value.length : random.int(1, 6);
    pieces.push(value.slice(i, i + size));
    i += size;
  }
  return pieces;
}

/** A random JSON value whose strings hold the given tricky texts. */
export function randomJsonValue(random: Random, strings: readonly string[], depth: number): unknown {
  const kind = random.int(0, depth > 0 ? 5 : 3);
  if (kind === 0) return random.pick(strings);
  if (kind === 1) return random.int(-1000, 1000) / random.pick([1, 4, 100]);
  if (kind === 2) return random.pick([true, false, null]);
  if (kind === 3) return random.pick(strings) + random.pick(strings);
  if (kind === 4) return Array.from({ length: random.int(0, 3) }, () => randomJsonValue(random, strings, depth - 1));
  return Object.fromEntries(Array.from({ length: random.int(0, 3) }, (_, i) =>
    [`k${i}${random.pick(['', 'é', '"', 'name'])}`, randomJsonValue(random, strings, depth - 1)]));
}

/** JSON text with the given spacing; some strings written with \u escapes. */
export function writeJson(value: unknown, random: Random, comma: string, colon: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => writeJson(v, random, comma, colon)).join(comma)}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => JSON.stringify(k) + colon + writeJson(v, random, comma, colon)).join(comma)}}`;
  }
  return random.next() < 0.2 && typeof value === 'string' ? JSON.stringify(value).replace(/é/g, '\\u00e9') : JSON.stringify(value);
}

/** One of the spacings models use between JSON members. */
export function randomSpacing(random: Random): readonly [comma: string, colon: string] {
  return random.pick([[', ', ': '], [',', ':'], [',\n  ', ': ']] as const);
}
