/**
 * A model folder over HTTP (a Hub repository's resolve URLs, or any static server), through
 * Cache Storage when given one: a cached file is read from the cache with no request; a fetched
 * file is written to the cache as it streams and committed only after the reader checked it.
 * Safetensors headers are read with a Range request, so the big download happens once.
 */
import { isLlmError, LlmError } from '../errors.ts';
import type { FileCache } from './file-cache.ts';
import type { FileProgressListener, FileStream } from './model-source.ts';
import { BaseModelSource, fileStream, missing } from './source-base.ts';

export class HttpModelSource extends BaseModelSource {
  constructor(
    private readonly base: string,
    location: string,
    private readonly cache: FileCache | undefined,
    private readonly onProgress: FileProgressListener | undefined,
  ) {
    super(location);
  }

  private url(name: string): string {
    return new URL(name, this.base).href;
  }

  async exists(name: string): Promise<boolean> {
    const url = this.url(name);
    const known = await this.cache?.presence(url);
    if (known !== undefined) return known === 'present';
    let response = await this.fetch(name, { method: 'HEAD' });
    // Some static servers refuse HEAD; ask with GET and drop the body.
    if (response.status === 405 || response.status === 501) response = await this.fetch(name, { method: 'GET' });
    await response.body?.cancel();
    if (isPresent(response, name)) return true;
    if (response.status === 404 || response.status === 410) {
      await this.cache?.markAbsent(url);
      return false;
    }
    if (response.ok) return false;
    throw missing(name, this.location, httpDetail(response));
  }

  async readHead(name: string, length: number): Promise<{ bytes: Uint8Array; size: number | undefined }> {
    const cached = await this.cache?.match(this.url(name));
    if (cached !== undefined) return { bytes: await readPrefix(cached.response, length), size: cached.size };
    const response = await this.fetch(name, { headers: { range: `bytes=0-${length - 1}` } });
    if (response.status === 416) return { bytes: new Uint8Array(0), size: 0 }; // an empty file
    await this.requirePresent(response, name);
    // 206: the size is after the '/' of Content-Range; 200 (ranges unsupported): Content-Length.
    const total = response.status === 206 ? /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1] : undefined;
    const size = total !== undefined ? Number(total) : response.status === 200 ? contentLength(response) : undefined;
    return { bytes: await readPrefix(response, length), size };
  }

  async openStream(name: string): Promise<FileStream> {
    const url = this.url(name);
    const cached = await this.cache?.match(url);
    if (cached !== undefined) {
      const reader = requireBody(cached.response).getReader();
      return fileStream({
        name,
        size: cached.size,
        fromCache: true,
        onProgress: this.onProgress,
        read: () => readChunk(reader),
        release: () => reader.cancel(),
        // A cached copy that fails its checks is dropped, so the next load fetches it again.
        onCancel: async (reason) => {
          if (isContentError(reason)) await this.cache?.delete(url);
        },
      });
    }
    const response = await this.fetch(name, {});
    await this.requirePresent(response, name);
    const size = contentLength(response);
    const reader = requireBody(response).getReader();
    const writer = this.cache?.beginPut(url, size);
    return fileStream({
      name,
      size,
      fromCache: false,
      onProgress: this.onProgress,
      read: () => readChunk(reader).catch((error: unknown) => Promise.reject(unreachable(url, name, error, 'mid-file'))),
      release: () => reader.cancel(),
      onChunk: writer === undefined ? undefined : (chunk) => writer.write(chunk),
      onCommit: writer === undefined ? undefined : () => writer.close(),
      onCancel: async (reason) => writer?.abort(reason),
    });
  }

  private async requirePresent(response: Response, name: string): Promise<void> {
    if (isPresent(response, name)) return;
    await response.body?.cancel();
    throw missing(name, this.location, httpDetail(response));
  }

  private async fetch(name: string, init: RequestInit): Promise<Response> {
    const url = this.url(name);
    try {
      return await fetch(url, init);
    } catch (error) {
      throw unreachable(url, name, error);
    }
  }
}

/** Errors that mean the bytes themselves are bad (as opposed to the GPU or the config). */
function isContentError(reason: unknown): boolean {
  return isLlmError(reason, 'truncated_file') || isLlmError(reason, 'invalid_safetensors') || isLlmError(reason, 'invalid_config');
}

function httpDetail(response: Response): string {
  // The Hub answers 401 for a repository that does not exist, is private, or is gated.
  const hint = response.status === 401 || response.status === 403 ? ': no such repository, or it is private or gated' : '';
  return `HTTP ${response.status} from ${response.url}${hint}`;
}

/**
 * A dev server with an SPA fallback (vite) answers 200 with index.html for a missing file, so an
 * HTML answer for a file that is not HTML counts as absent.
 */
function isPresent(response: Response, name: string): boolean {
  if (!response.ok) return false;
  const type = response.headers.get('content-type') ?? '';
  return !(type.startsWith('text/html') && !/\.html?$/i.test(name));
}

/** The body's length, unless the body is encoded (then Content-Length counts compressed bytes). */
function contentLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding !== 'identity') return undefined;
  const value = Number(response.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function requireBody(response: Response): ReadableStream<Uint8Array> {
  return response.body ?? new ReadableStream({ start: (controller) => controller.close() });
}

async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array | undefined> {
  const { done, value } = await reader.read();
  return done ? undefined : value;
}

/**
 * fetch() rejects (a TypeError) only when no HTTP answer came: offline, DNS, refused, CORS; a
 * body read rejects when the connection breaks mid-file. Neither is a missing file, and a page
 * should say so (the file may well exist).
 */
function unreachable(url: string, name: string, error: unknown, when: 'request' | 'mid-file' = 'request'): LlmError {
  const why = error instanceof Error ? error.message : String(error);
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep the whole URL
  }
  const what = when === 'request' ? `could not be reached (offline?) for ${name}` : `stopped sending ${name} (offline?)`;
  return new LlmError('network_error', `${host} ${what}: ${why}`, name);
}

/** The first `length` bytes of a body (fewer when it is shorter); the rest is not downloaded. */
async function readPrefix(response: Response, length: number): Promise<Uint8Array> {
  const reader = requireBody(response).getReader();
  const bytes = new Uint8Array(length);
  let filled = 0;
  try {
    while (filled < length) {
      const chunk = await readChunk(reader);
      if (chunk === undefined) break;
      const take = Math.min(chunk.byteLength, length - filled);
      bytes.set(chunk.subarray(0, take), filled);
      filled += take;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return bytes.subarray(0, filled);
}
