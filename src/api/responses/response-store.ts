/**
 * Stored responses for `previous_response_id`: each response's conversation as items (the
 * earlier turns, this turn's input and its output; never the instructions, which OpenAI does not
 * carry over). In memory and bounded, least recently used first out, by count and by the size of
 * the stored JSON, so a long-lived page cannot grow without end; a follow-up to an evicted
 * response gets the same error as one to an unknown id.
 */
import type { ResponseObject } from './responses-types.ts';

export interface StoredResponse {
  readonly response: ResponseObject;
  /** The whole conversation up to and including this response's output, as input items. */
  readonly items: readonly Record<string, unknown>[];
}

export interface ResponseStoreLimits {
  /** At most this many responses (default 100). */
  readonly maxResponses?: number;
  /** At most about this many bytes of stored JSON, all responses together (default 16 MiB). */
  readonly maxBytes?: number;
}

export class ResponseStore {
  private readonly entries = new Map<string, { stored: StoredResponse; bytes: number }>();
  private bytes = 0;
  private readonly maxResponses: number;
  private readonly maxBytes: number;

  constructor(limits: ResponseStoreLimits = {}) {
    this.maxResponses = limits.maxResponses ?? 100;
    this.maxBytes = limits.maxBytes ?? 16 * 1024 * 1024;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The stored response, now the most recently used; undefined when unknown or evicted. */
  get(id: string): StoredResponse | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.stored;
  }

  /** Stores a response; one larger than the whole budget is not kept. */
  put(id: string, stored: StoredResponse): void {
    this.delete(id);
    // UTF-16 code units × 2: the JSON's size in memory, near enough for a cap.
    const bytes = JSON.stringify(stored).length * 2;
    if (bytes > this.maxBytes || this.maxResponses < 1) return;
    this.entries.set(id, { stored, bytes });
    this.bytes += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxResponses && this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  delete(id: string): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    this.entries.delete(id);
    this.bytes -= entry.bytes;
    return true;
  }
}
