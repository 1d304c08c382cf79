/**
 * Model files kept in Cache Storage (browsers, pages and workers), keyed by the file's resolved
 * URL (which holds the revision). Only whole files that passed their checks are stored: a
 * streamed file goes through a CacheWriter whose body is closed only after the reader has
 * validated every byte, and errored otherwise, so `cache.put` never commits a partial file.
 * A 404 is remembered as an absence marker, so a cached model loads with no network request even
 * though the loader probes optional files (generation_config.json, chat_template.jinja).
 * Cache failures (quota, storage blocked) never fail a load: the file is just not kept.
 */
export const MODEL_CACHE_NAME = 'webgpu-llm-serve-models';

/** Response header holding the file's byte length (our own, so no server header is trusted). */
const SIZE_HEADER = 'x-model-file-size';
/** Most bytes queued towards the cache before the reader waits for it. */
const CACHE_QUEUE_BYTES = 8 * 1024 * 1024;

export interface CachedEntry {
  readonly url: string;
  /** null for an absence marker (the server answered 404). */
  readonly size: number | null;
}

let warned = false;
function warnOnce(what: string, error: unknown): void {
  if (warned) return;
  warned = true;
  console.warn(`[webgpu-llm] model cache: ${what} failed, files are not kept: ${error instanceof Error ? error.message : String(error)}`);
}

export class FileCache {
  private constructor(private readonly cache: Cache) {}

  /** undefined where there is no Cache Storage (Node, insecure contexts) or it is blocked. */
  static async open(name = MODEL_CACHE_NAME): Promise<FileCache | undefined> {
    const storage = (globalThis as { caches?: CacheStorage }).caches;
    if (storage === undefined) return undefined;
    try {
      return new FileCache(await storage.open(name));
    } catch (error) {
      warnOnce('opening Cache Storage', error);
      return undefined;
    }
  }

  /** The cached file (status 200), or undefined. */
  async match(url: string): Promise<{ response: Response; size: number | undefined } | undefined> {
    const response = await this.lookup(url);
    if (response === undefined || response.status !== 200) {
      await response?.body?.cancel();
      return undefined;
    }
    return { response, size: sizeOf(response) };
  }

  /** 'present', 'absent' (a remembered 404), or undefined when nothing is known. */
  async presence(url: string): Promise<'present' | 'absent' | undefined> {
    const response = await this.lookup(url);
    if (response === undefined) return undefined;
    await response.body?.cancel();
    return response.status === 200 ? 'present' : 'absent';
  }

  async putBytes(url: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.cache.put(url, new Response(bytes.slice(), { headers: sizeHeaders(bytes.byteLength) }));
    } catch (error) {
      warnOnce(`storing ${url}`, error);
    }
  }

  async markAbsent(url: string): Promise<void> {
    try {
      await this.cache.put(url, new Response(null, { status: 404 }));
    } catch (error) {
      warnOnce(`storing ${url}`, error);
    }
  }

  /** A writer whose bytes become the cached file only when closed. */
  beginPut(url: string, size: number | undefined): CacheWriter {
    return new CacheWriter(this.cache, url, size);
  }

  async delete(url: string): Promise<boolean> {
    try {
      return await this.cache.delete(url);
    } catch {
      return false;
    }
  }

  /** Every entry whose URL starts with `prefix`. */
  async entries(prefix: string): Promise<CachedEntry[]> {
    const entries: CachedEntry[] = [];
    for (const request of await this.cache.keys()) {
      if (!request.url.startsWith(prefix)) continue;
      const response = await this.cache.match(request);
      if (response === undefined) continue;
      await response.body?.cancel();
      entries.push({ url: request.url, size: response.status === 200 ? sizeOf(response) ?? 0 : null });
    }
    return entries;
  }

  private async lookup(url: string): Promise<Response | undefined> {
    try {
      return await this.cache.match(url);
    } catch (error) {
      warnOnce(`reading ${url}`, error);
      return undefined;
    }
  }
}

function sizeHeaders(size: number | undefined): Record<string, string> {
  return size === undefined ? {} : { [SIZE_HEADER]: String(size) };
}

function sizeOf(response: Response): number | undefined {
  const value = Number(response.headers.get(SIZE_HEADER) ?? NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * The body of one `cache.put`, fed chunk by chunk by the reader. `write` waits while the cache
 * lags by more than CACHE_QUEUE_BYTES, so memory stays bounded whichever side is slower.
 */
export class CacheWriter {
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  private aborted = false;
  private readonly stored: Promise<void>;

  constructor(cache: Cache, url: string, size: number | undefined) {
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.controller = controller),
        pull: () => this.resume(),
        cancel: () => this.stop(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: CACHE_QUEUE_BYTES }),
    );
    // A size header on the stored response lets a cached read check its length too.
    this.stored = cache.put(url, new Response(body, { headers: sizeHeaders(size) })).catch((error: unknown) => {
      this.stop();
      if (!this.aborted) warnOnce(`storing ${url}`, error);
    });
  }

  async write(chunk: Uint8Array): Promise<void> {
    const controller = this.controller;
    if (this.stopped || controller === undefined) return;
    controller.enqueue(chunk);
    while (!this.stopped && (controller.desiredSize ?? 0) <= 0) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** Every byte was written and checked: commit the file. */
  async close(): Promise<void> {
    if (!this.stopped) this.controller?.close();
    this.stopped = true;
    await this.stored;
  }

  /** Drop the file: `cache.put` rejects, nothing is stored. */
  abort(reason: unknown): void {
    this.aborted = true;
    if (!this.stopped) this.controller?.error(reason);
    this.stop();
  }

  private resume(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private stop(): void {
    this.stopped = true;
    this.resume();
  }
}
