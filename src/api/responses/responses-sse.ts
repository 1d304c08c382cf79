/**
 * Responses stream events as server-sent events, framed as OpenAI frames them: an
 * `event: <type>` line before each `data:` line, and no `[DONE]` at the end (response.completed,
 * .incomplete or .failed ends the stream). Pulled as the reader reads, so a slow reader holds the
 * engine back; cancelling the body ends the source, which aborts the request.
 */
import type { ResponseStreamEvent } from './responses-types.ts';

export interface ResponsesSseOptions {
  /**
   * The OpenAI error body (`{error: {message, code, param}}`) for a failure the source could not
   * report as response.failed; sent flattened, as OpenAI's `error` event carries it.
   */
  errorEvent(error: unknown): unknown;
  /** When this is aborted, a source failure errors the body instead (fetch's behaviour on abort). */
  signal?: AbortSignal | undefined;
  onCancel?(reason: unknown): void;
  /** Called once when the body ends for any reason. */
  onEnd?(): void;
}

export function responseSseEvent(event: { type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function responsesSseStream(source: AsyncIterable<ResponseStreamEvent>, options: ResponsesSseOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  let sequence = 0;
  const end = () => {
    if (ended) return false;
    ended = true;
    options.onEnd?.();
    return true;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<ResponseStreamEvent>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (!end()) return;
        if (options.signal?.aborted === true) controller.error(options.signal.reason);
        else {
          const body = options.errorEvent(error) as { error?: { message?: unknown; code?: unknown; param?: unknown } };
          const { message = String(error), code = null, param = null } = body.error ?? {};
          controller.enqueue(encoder.encode(responseSseEvent({ type: 'error', code, message, param, sequence_number: sequence } as { type: string })));
          controller.close();
        }
        return;
      }
      if (ended) return;
      if (next.done === true) {
        end();
        controller.close();
        return;
      }
      sequence = next.value.sequence_number + 1;
      controller.enqueue(encoder.encode(responseSseEvent(next.value)));
    },
    cancel(reason) {
      end();
      options.onCancel?.(reason);
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
    },
  });
}
