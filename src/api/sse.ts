/**
 * Server-sent events as OpenAI and vLLM frame a stream: one `data: <json>\n\n` event per chunk and
 * `data: [DONE]\n\n` last. The body is pulled from the source as the reader reads, so a slow
 * reader holds the engine back instead of buffering, and cancelling the body reaches the source.
 */

export const SSE_DONE = 'data: [DONE]\n\n';

export function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export interface SseStreamOptions {
  /** The event to send when the source fails: vLLM sends `{"error": {...}}` and then `[DONE]`. */
  errorEvent(error: unknown): unknown;
  /** When this is aborted, a source failure errors the body instead (fetch's behaviour on abort). */
  signal?: AbortSignal | undefined;
  /** The reader cancelled the body. */
  onCancel?(reason: unknown): void;
  /** Called once when the body ends for any reason. */
  onEnd?(): void;
}

export function sseStream(source: AsyncIterable<unknown>, options: SseStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  const end = () => {
    if (ended) return false;
    ended = true;
    options.onEnd?.();
    return true;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<unknown>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (!end()) return; // cancelled while waiting: the stream is already closed
        if (options.signal?.aborted === true) controller.error(options.signal.reason);
        else {
          controller.enqueue(encoder.encode(sseEvent(options.errorEvent(error)) + SSE_DONE));
          controller.close();
        }
        return;
      }
      if (ended) return;
      if (next.done === true) {
        end();
        controller.enqueue(encoder.encode(SSE_DONE));
        controller.close();
      } else {
        controller.enqueue(encoder.encode(sseEvent(next.value)));
      }
    },
    cancel(reason) {
      end();
      options.onCancel?.(reason);
      // Ends a generator source; its rejection (e.g. the abort) has nobody left to tell.
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
    },
  });
}

/** The `data:` payloads of an SSE text, `[DONE]` included as the string; for tests and tools. */
export function parseSseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.trim() !== '')
    .map((event) => event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n'));
}
