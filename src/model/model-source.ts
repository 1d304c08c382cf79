/**
 * Reads the files of a model folder (a Hub-style repository layout) from an http(s) URL via
 * fetch (browsers and Node) or from a local folder (Node only). Node modules are imported
 * dynamically through a variable so that a browser bundle never pulls them in.
 */
import { LlmError } from '../errors.ts';

export interface ModelSource {
  /** The folder, as given (URL or path), for messages and cache keys. */
  readonly location: string;
  /** Whole file; LlmError 'missing_file' (naming the file) when absent (404 / ENOENT). */
  readFile(name: string): Promise<Uint8Array>;
  readText(name: string): Promise<string>;
  /** Parsed JSON; invalid JSON → LlmError 'invalid_config' naming the file. */
  readJson(name: string): Promise<unknown>;
  exists(name: string): Promise<boolean>;
}

type FsPromises = typeof import('node:fs/promises');
type NodeUrl = typeof import('node:url');

export function openModelSource(location: string | URL): ModelSource {
  if (location instanceof URL) {
    if (location.protocol === 'file:') return new LocalModelSource(location.href, fileUrlToPath(location.href));
    return new HttpModelSource(location.href);
  }
  if (/^https?:\/\//i.test(location)) return new HttpModelSource(location);
  if (/^file:\/\//i.test(location)) return new LocalModelSource(location, fileUrlToPath(location));
  // In a page, a bare path ('/models/qwen') means a URL relative to the page, not a disk path.
  const page = (globalThis as { location?: { href?: unknown } }).location?.href;
  if (!isNode() && typeof page === 'string') return new HttpModelSource(new URL(location, page).href, location);
  return new LocalModelSource(location, Promise.resolve(location));
}

function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof process?.versions?.node === 'string';
}

async function importNode<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

async function fileUrlToPath(href: string): Promise<string> {
  const url = await importNode<NodeUrl>('node:url');
  return url.fileURLToPath(href);
}

function missing(name: string, where: string, detail: string): LlmError {
  return new LlmError('missing_file', `model file "${name}" not found in ${where} (${detail})`, name);
}

/** Shared text/JSON decoding on top of readFile. */
abstract class BaseModelSource implements ModelSource {
  constructor(readonly location: string) {}

  abstract readFile(name: string): Promise<Uint8Array>;
  abstract exists(name: string): Promise<boolean>;

  async readText(name: string): Promise<string> {
    return new TextDecoder('utf-8').decode(await this.readFile(name));
  }

  async readJson(name: string): Promise<unknown> {
    const text = await this.readText(name);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new LlmError('invalid_config', `${name} in ${this.location} is not valid JSON: ${why}`, name);
    }
  }
}

class HttpModelSource extends BaseModelSource {
  private readonly base: string;

  constructor(url: string, location = url) {
    super(location);
    // new URL(name, base) only keeps the last path segment when the base ends with '/'.
    this.base = url.endsWith('/') ? url : `${url}/`;
  }

  private url(name: string): string {
    return new URL(name, this.base).href;
  }

  async readFile(name: string): Promise<Uint8Array> {
    const response = await this.fetch(name, 'GET');
    if (!isPresent(response, name)) {
      await response.body?.cancel();
      throw missing(name, this.location, `HTTP ${response.status}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  async exists(name: string): Promise<boolean> {
    let response = await this.fetch(name, 'HEAD');
    // Some static servers refuse HEAD; ask with GET and drop the body.
    if (response.status === 405 || response.status === 501) response = await this.fetch(name, 'GET');
    await response.body?.cancel();
    if (isPresent(response, name)) return true;
    if (response.status === 404 || response.status === 410 || response.ok) return false;
    throw missing(name, this.location, `HTTP ${response.status}`);
  }

  private async fetch(name: string, method: 'GET' | 'HEAD'): Promise<Response> {
    const url = this.url(name);
    try {
      return await fetch(url, { method });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw missing(name, this.location, `fetch ${url} failed: ${why}`);
    }
  }
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

class LocalModelSource extends BaseModelSource {
  constructor(
    location: string,
    private readonly folder: Promise<string>,
  ) {
    super(location);
  }

  private async path(name: string): Promise<string> {
    // Forward slashes work on every platform Node runs on; no node:path needed.
    return `${(await this.folder).replace(/[\\/]+$/, '')}/${name}`;
  }

  async readFile(name: string): Promise<Uint8Array> {
    const fs = await importNode<FsPromises>('node:fs/promises');
    try {
      const buffer = await fs.readFile(await this.path(name));
      // A plain Uint8Array view (not a Buffer) so callers see the same type in every runtime.
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw missing(name, this.location, String(code));
      throw error;
    }
  }

  async exists(name: string): Promise<boolean> {
    const fs = await importNode<FsPromises>('node:fs/promises');
    try {
      return (await fs.stat(await this.path(name))).isFile();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw error;
    }
  }
}
