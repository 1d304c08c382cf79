/**
 * `stream_options.include_progress`: turns the prefill reports of an API request's engine requests
 * (EngineRequest.reportPrefill) into `prefill_progress` values. The choices of one prompt share it
 * (the furthest counts: the others find its blocks in the prefix cache); the prompts of a
 * completions request add up, as usage.prompt_tokens does. The reports of one engine step become
 * one value, sent before that step's first token chunk (flush) or right after the step's outputs,
 * and only when the count grew: a chat reply's last one is the whole prompt, just before its first token.
 */
import type { PrefillProgress } from './chat-types.ts';

export class PrefillProgressChunks {
  private readonly furthest: number[];
  private readonly total: number;
  private pending = false;

  constructor(promptLengths: readonly number[], private readonly send: (progress: PrefillProgress) => void) {
    this.furthest = promptLengths.map(() => 0);
    this.total = promptLengths.reduce((sum, length) => sum + length, 0);
  }

  /** Prompt `prompt` is prefilled up to `tokens` (one of its choices' reports). */
  note(prompt: number, tokens: number): void {
    if (tokens <= (this.furthest[prompt] ?? Infinity)) return;
    this.furthest[prompt] = tokens;
    if (this.pending) return;
    this.pending = true;
    // An engine step hands out all its outputs in one synchronous run: this comes after them.
    queueMicrotask(() => this.flush());
  }

  /** Sends what was noted and not sent yet; called before a token chunk, so progress stays ahead of it. */
  flush(): void {
    if (!this.pending) return;
    this.pending = false;
    const processed = this.furthest.reduce((sum, tokens) => sum + tokens, 0);
    this.send({ processed_tokens: processed, total_tokens: this.total });
  }
}
