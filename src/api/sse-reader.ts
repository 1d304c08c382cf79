/**
 * Reads a server-sent event stream (the reverse of sse.ts) as its bytes arrive: yields each
 * event's `data` (multi-line data joined with `\n`, `[DONE]` as the string) as soon as the blank
 * line that ends it is read, so a streamed chat hands on each chunk without waiting for the next.
 * Follows the WHATWG event-stream rules that OpenAI-compatible servers rely on: CRLF, CR or LF
 * line ends, `:` comments (keep-alives), one optional space after `data:`, other fields ignored.
 */

export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader();
  // A multi-byte character split across reads decodes whole, as `stream: true` keeps its tail.
  const decoder = new TextDecoder();
  const parser = new SseDataParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const events = done ? parser.end(decoder.decode()) : parser.push(decoder.decode(value, { stream: true }));
      yield* events;
      if (done) return;
    }
  } finally {
    // Leaving early (the caller stopped, or an event was an error) closes the connection.
    await reader.cancel().catch(() => {});
  }
}

/** The line-level parser, fed text in any split; returns the events each piece completes. */
export class SseDataParser {
  private buffer = '';
  private data: string[] | undefined;
  /** A CR ended the last piece: an LF starting the next one belongs to it. */
  private pendingCr = false;

  push(text: string): string[] {
    if (text === '') return [];
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    // The kept tail has no line end: scan only what is new, so a long line costs linear time.
    let index = this.buffer.length;
    this.buffer += text;
    const events: string[] = [];
    let start = 0;
    for (; index < this.buffer.length; index++) {
      const char = this.buffer[index];
      if (char !== '\r' && char !== '\n') continue;
      this.line(this.buffer.slice(start, index), events);
      if (char === '\r') {
        if (index + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer[index + 1] === '\n') index++;
      }
      start = index + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** The stream ended: an event without its closing blank line is dropped, as the standard says. */
  end(text = ''): string[] {
    const events = this.push(text);
    this.buffer = '';
    this.data = undefined;
    return events;
  }

  private line(line: string, events: string[]): void {
    if (line === '') {
      if (this.data !== undefined) events.push(this.data.join('\n'));
      this.data = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    (this.data ??= []).push(value);
  }
}
