/**
 * Turns a growing list of token ids into text deltas without ever emitting half a UTF-8
 * character: byte-level BPE tokens can split a character, which decodes to U+FFFD until the rest
 * arrives. Decodes only a short window (a few tokens before the unread ones) so each token costs
 * O(1), and the window gives byte-level tokenizers the context they need for spacing.
 */
import type { TextTokenizer } from './tokenizer.ts';

const contextTokens = 5;

export class IncrementalDecoder {
  private readonly ids: number[] = [];
  /** Start of the decode window. */
  private prefixOffset = 0;
  /** Tokens before this are already emitted. */
  private readOffset = 0;

  constructor(private readonly tokenizer: TextTokenizer, private readonly options: { skipSpecialTokens?: boolean } = {}) {}

  /** Adds tokens; returns the text that became final ('' while a character is incomplete). */
  push(...tokenIds: number[]): string {
    this.ids.push(...tokenIds);
    const prefixText = this.decode(this.prefixOffset, this.readOffset);
    const fullText = this.decode(this.prefixOffset, this.ids.length);
    if (fullText.length <= prefixText.length || fullText.endsWith('\uFFFD')) return '';
    this.readOffset = this.ids.length;
    // The next window starts a few emitted tokens back, for context.
    this.prefixOffset = Math.max(0, this.readOffset - contextTokens);
    return fullText.slice(prefixText.length);
  }

  /** At the end of the output: whatever is still held back, an incomplete character as U+FFFD. */
  flush(): string {
    const prefixText = this.decode(this.prefixOffset, this.readOffset);
    const fullText = this.decode(this.prefixOffset, this.ids.length);
    this.prefixOffset = this.readOffset = this.ids.length;
    return fullText.length > prefixText.length ? fullText.slice(prefixText.length) : '';
  }

  private decode(start: number, end: number): string {
    return start >= end ? '' : this.tokenizer.decode(this.ids.slice(start, end), this.options);
  }
}
