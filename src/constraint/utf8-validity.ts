/**
 * Keeps constrained output valid UTF-8 with no raw control character but "\n". XGrammar 0.1.27
 * matches multi-byte characters loosely — in a `[^…]` class it takes a lead byte F4–F7 and any
 * three bytes ≥ 0x80 as one character — and its rule for strings with a maxLength admits raw
 * control characters. Either breaks the JSON: invalid text, or a string longer than its
 * maxLength once decoded (each bad byte becomes U+FFFD). JSON needs no raw control character;
 * the hermes format needs only "\n".
 *
 * A UTF-8 automaton (Unicode's table of well-formed byte sequences) has 8 states: at a character
 * boundary, or expecting 1–3 more bytes with a range for the next one. Each token's bytes are run
 * from every state once: `allowedFrom(state)` is the bitmask of tokens that can follow, ANDed
 * into XGrammar's mask, and `next(state, id)` is where the token leaves the automaton.
 */
import { maskWords } from './token-constraint.ts';

/** State → [bytes still needed, lowest and highest next byte]. */
const states: readonly (readonly [number, number, number])[] = [
  [0, 0, 0], // at a character boundary
  [1, 0x80, 0xbf],
  [2, 0x80, 0xbf],
  [2, 0xa0, 0xbf], // after E0: no overlong forms
  [2, 0x80, 0x9f], // after ED: no surrogates
  [3, 0x80, 0xbf],
  [3, 0x90, 0xbf], // after F0: no overlong forms
  [3, 0x80, 0x8f], // after F4: nothing above U+10FFFF
];
const stateCount = states.length;
const invalid = -1;

/** The state after `byte`, or invalid. */
export function utf8Step(state: number, byte: number): number {
  const [needed, low, high] = states[state]!;
  if (needed > 0) {
    if (byte < low || byte > high) return invalid;
    return needed === 1 ? 0 : needed === 2 ? 1 : 2;
  }
  if (byte < 0x20) return byte === 0x0a ? 0 : invalid;
  if (byte < 0x80) return 0;
  if (byte >= 0xc2 && byte <= 0xdf) return 1;
  if (byte === 0xe0) return 3;
  if (byte === 0xed) return 4;
  if (byte >= 0xe1 && byte <= 0xef) return 2;
  if (byte === 0xf0) return 6;
  if (byte === 0xf4) return 7;
  if (byte >= 0xf1 && byte <= 0xf3) return 5;
  return invalid; // 80–C1 (continuation or overlong lead), F5–FF
}

export class Utf8Validity {
  /** The state at the start of an output. */
  static readonly start = 0;
  private readonly transitions: Int8Array; // (vocabSize, 8): state after the token, or −1
  private readonly allowed: Uint32Array[]; // 8 views of maskWords words

  /** `bytes[id]`: the token's text; undefined for tokens without text (allowed only between characters). */
  constructor(bytes: readonly (Uint8Array | undefined)[], vocabSize: number) {
    const words = maskWords(vocabSize);
    this.transitions = new Int8Array(vocabSize * stateCount).fill(invalid);
    const allowed = new Uint32Array(stateCount * words);
    this.allowed = Array.from({ length: stateCount }, (_, state) => allowed.subarray(state * words, (state + 1) * words));
    for (let id = 0; id < vocabSize; id++) {
      const token = bytes[id];
      for (let from = 0; from < stateCount; from++) {
        let state = token === undefined && from !== 0 ? invalid : from;
        for (let i = 0; token !== undefined && i < token.length && state !== invalid; i++) state = utf8Step(state, token[i]!);
        this.transitions[id * stateCount + from] = state;
        if (state !== invalid) allowed[from * words + (id >>> 5)]! |= 1 << (id & 31);
      }
    }
  }

  /** Tokens that may follow `state`: maskWords(vocabSize) words. */
  allowedFrom(state: number): Uint32Array {
    return this.allowed[state]!;
  }

  /** The state after token `id`, or −1 when it may not follow `state`. */
  next(state: number, id: number): number {
    return this.transitions[id * stateCount + state] ?? invalid;
  }
}
