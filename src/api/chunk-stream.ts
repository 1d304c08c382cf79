/**
 * The async iterable a streaming `create` returns (chat or completions chunks): chunks are pushed
 * as the engine's steps land and pulled by `for await`. Leaving the loop early (break, return,
 * throw) cancels the request, as closing an OpenAI SDK stream does.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';

export class ChunkStream<Chunk = ChatCompletionChunk> implements AsyncIterable<Chunk> {
  private readonly queue: Chunk[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;
  private iterating = false;

  constructor(private readonly cancel: () => void) {}

  push(chunks: readonly Chunk[]): void {
    if (this.ended) return;
    this.queue.push(...chunks);
    this.signal();
  }

  end(): void {
    this.ended = true;
    this.signal();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.end();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Chunk> {
    if (this.iterating) throw new Error('a completion stream can be iterated only once');
    this.iterating = true;
    let finished = false;
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk !== undefined) {
          yield chunk;
          continue;
        }
        if (this.ended) break;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
      finished = true;
      if (this.failure !== undefined) throw this.failure.error;
    } finally {
      if (!finished && !this.ended) this.cancel();
    }
  }
}
