/**
 * vLLM's `bad_words` as the token id sequences the engine bans (SamplingParams.badWordIds): each
 * word as it would be tokenized at the start of a text and after a space, the second only when it
 * tokenizes differently and to as many tokens (vLLM's update_from_tokenizer rule).
 */
import type { TextTokenizer } from '../text/tokenizer.ts';

export function badWordIds(tokenizer: TextTokenizer, words: readonly string[]): number[][] {
  const sequences: number[][] = [];
  for (const word of words) {
    const bare = tokenizer.encode(word.trimStart());
    if (bare.length > 0) sequences.push(bare);
    const spaced = tokenizer.encode(` ${word.trimStart()}`);
    if (spaced.length > 0 && (bare.length === 0 || (spaced[0] !== bare[0] && spaced.length === bare.length))) sequences.push(spaced);
  }
  return sequences;
}
