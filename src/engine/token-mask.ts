/**
 * The tokens a sequence may sample next, as the GPU sampler's bitmask (token t allowed iff bit
 * t & 31 of word t >> 5 is set): its grammar's tokens, intersected with `allowedTokenIds`, minus
 * the tokens banned at this step — its stop ids while the output is shorter than `minTokens`
 * (vLLM's MinTokensLogitsProcessor), and the last id of each bad word whose other ids end the
 * output (vLLM's bad_words). A masked token's logit is the lowest float before anything else, so
 * no bias brings it back.
 */
import type { Sequence } from './sequence.ts';

/** Ids banned at this step. */
function bannedTokens(seq: Sequence): number[] {
  const { minTokens, badWordIds } = seq.sampling;
  const banned = seq.numOutputTokens < minTokens ? [...seq.stopIds] : [];
  for (const word of badWordIds) {
    if (endsWithPrefix(seq, word)) banned.push(word[word.length - 1]!);
  }
  return banned;
}

/** Whether the output ends with all of `word` but its last id (vacuously true for one id). */
function endsWithPrefix(seq: Sequence, word: readonly number[]): boolean {
  const prefixLength = word.length - 1;
  if (prefixLength > seq.numOutputTokens) return false;
  const start = seq.tokens.length - prefixLength;
  for (let i = 0; i < prefixLength; i++) if (seq.tokens[start + i] !== word[i]) return false;
  return true;
}

function allowEvery(mask: Uint32Array, vocabSize: number): void {
  mask.fill(0xffffffff);
  // Bits past the vocabulary stay clear, so an empty mask is all zeros.
  const tail = vocabSize & 31;
  if (tail !== 0) mask[mask.length - 1] = (1 << tail) - 1 >>> 0;
}

/**
 * Writes into `mask` the tokens `seq` may sample now; false (mask untouched) when every token may.
 * Bans never leave nothing to sample: if they would, they are dropped, since the grammar and the
 * allowed ids must be followed and a stop token at the wrong time is the lesser harm.
 */
export function fillTokenMask(seq: Sequence, mask: Uint32Array, vocabSize: number): boolean {
  const { allowedTokenMask } = seq.sampling;
  const banned = bannedTokens(seq);
  if (seq.constraint === undefined && allowedTokenMask === undefined && banned.length === 0) return false;
  if (seq.constraint !== undefined) {
    seq.constraint.fillNextTokenBitmask(mask);
    if (allowedTokenMask !== undefined) for (let i = 0; i < mask.length; i++) mask[i]! &= allowedTokenMask[i]!;
  } else if (allowedTokenMask !== undefined) mask.set(allowedTokenMask);
  else allowEvery(mask, vocabSize);
  const cleared: number[] = [];
  for (const token of banned) {
    const bit = 1 << (token & 31);
    if ((mask[token >> 5]! & bit) === 0) continue;
    mask[token >> 5]! &= ~bit;
    cleared.push(token);
  }
  if (cleared.length > 0 && mask.every((word) => word === 0)) {
    for (const token of cleared) mask[token >> 5]! |= 1 << (token & 31);
  }
  return true;
}
