/**
 * The per-step token mask (token-mask.ts): stop ids banned before minTokens, allowed ids, bad
 * words banned only where their prefix ends the output, intersection with a grammar's mask, and
 * bans dropped rather than leaving nothing to sample.
 */
import { describe, expect, it } from 'vitest';
import type { TokenConstraint } from '../../src/constraint/token-constraint.ts';
import { maskAllows, maskWords } from '../../src/constraint/token-constraint.ts';
import { resolveSampling, type SamplingParams } from '../../src/engine/sampling-params.ts';
import { Sequence } from '../../src/engine/sequence.ts';
import { fillTokenMask } from '../../src/engine/token-mask.ts';

const vocab = 70; // not a multiple of 32: the last word is partial
const eos = 2;

function sequence(params: Omit<SamplingParams, 'maxTokens'>, constraint?: TokenConstraint): Sequence {
  const sampling = resolveSampling({ maxTokens: 10, ...params }, { eosTokenIds: [eos] }, vocab, () => 1);
  return new Sequence('s', [5, 6], sampling, [eos], 0, constraint);
}

/** The allowed ids of a filled mask, or 'all' when fillTokenMask said no mask is needed. */
function allowed(seq: Sequence): number[] | 'all' {
  const mask = new Uint32Array(maskWords(vocab)).fill(0xdeadbeef);
  if (!fillTokenMask(seq, mask, vocab)) return 'all';
  expect(mask[mask.length - 1]! >>> (vocab & 31)).toBe(0); // nothing past the vocabulary
  return Array.from({ length: vocab }, (_, id) => id).filter((id) => maskAllows(mask, id));
}

const everyBut = (...ids: number[]) => Array.from({ length: vocab }, (_, id) => id).filter((id) => !ids.includes(id));

/** A grammar that allows a fixed set of ids. */
function grammar(ids: number[]): TokenConstraint {
  return {
    fillNextTokenBitmask(mask) {
      mask.fill(0);
      for (const id of ids) mask[id >> 5]! |= 1 << (id & 31);
    },
    acceptToken: () => true,
    isTerminated: () => false,
    dispose() {},
  };
}

describe('fillTokenMask', () => {
  it('needs no mask for an unrestricted sequence', () => {
    expect(allowed(sequence({}))).toBe('all');
  });

  it('bans EOS and the stop ids until minTokens output tokens, then lifts the ban', () => {
    const seq = sequence({ minTokens: 2, stopTokenIds: [9] });
    expect(allowed(seq)).toEqual(everyBut(eos, 9));
    seq.appendToken(40);
    expect(allowed(seq)).toEqual(everyBut(eos, 9));
    seq.appendToken(41);
    expect(allowed(seq)).toBe('all');
    // ignoreEos leaves EOS allowed (it ends nothing); a stop id is still banned.
    expect(allowed(sequence({ minTokens: 3, ignoreEos: true, stopTokenIds: [9] }))).toEqual(everyBut(9));
    expect(allowed(sequence({ minTokens: 3, ignoreEos: true }))).toBe('all');
  });

  it('keeps only the allowed ids, minus bans', () => {
    expect(allowed(sequence({ allowedTokenIds: [3, 64, 69, eos] }))).toEqual([eos, 3, 64, 69]);
    expect(allowed(sequence({ allowedTokenIds: [3, 64, eos], minTokens: 1 }))).toEqual([3, 64]);
  });

  it('bans a one-token bad word always, and a longer one only after its prefix', () => {
    const seq = sequence({ badWordIds: [[7], [10, 11, 12]] });
    expect(allowed(seq)).toEqual(everyBut(7));
    seq.appendToken(10);
    expect(allowed(seq)).toEqual(everyBut(7));
    seq.appendToken(11);
    expect(allowed(seq)).toEqual(everyBut(7, 12));
    seq.appendToken(13);
    expect(allowed(seq)).toEqual(everyBut(7));
  });

  it('does not match a bad word prefix against the prompt', () => {
    // The prompt ends with 6; the word [6, 8] starts in the prompt, so 8 stays allowed.
    expect(allowed(sequence({ badWordIds: [[6, 8]] }))).toBe('all');
  });

  it('intersects with a grammar, and drops bans that would leave nothing', () => {
    expect(allowed(sequence({ allowedTokenIds: [3, 4, 5] }, grammar([4, 5, 6])))).toEqual([4, 5]);
    expect(allowed(sequence({ minTokens: 4 }, grammar([eos, 20])))).toEqual([20]);
    // The grammar allows only EOS: it must be followed, min_tokens or not.
    expect(allowed(sequence({ minTokens: 4 }, grammar([eos])))).toEqual([eos]);
    expect(allowed(sequence({ allowedTokenIds: [eos], minTokens: 4 }))).toEqual([eos]);
  });
});
