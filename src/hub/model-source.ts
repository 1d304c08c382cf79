/**
 * Reads the files of a model folder (a Hub-style repository layout): a Hub id, an http(s) URL
 * (fetch, in browsers and Node, optionally through Cache Storage), or a local folder (Node only).
 * Which one a string means is decided by src/hub/model-location.ts. Small files are read whole;
 * weight files are streamed (`openStream`) so a multi-GB shard is never held whole in memory.
 */
import type { FileCache } from './file-cache.ts';
import { resolveModelLocation, type HubOptions } from './model-location.ts';
import { HttpModelSource } from './http-model-source.ts';
import { LocalModelSource } from './local-model-source.ts';

/** Bytes of `name` read so far; `total` undefined while the size is unknown. */
export type FileProgressListener = (name: string, loaded: number, total: number | undefined, fromCache: boolean) => void;

export interface FileStream {
  /** The size the transport announced (Content-Length, stat, the cache's record), if any. */
  readonly size: number | undefined;
  readonly fromCache: boolean;
  /** The next chunk, undefined at the end; LlmError 'truncated_file' when the transfer breaks off or ends short. */
  next(): Promise<Uint8Array | undefined>;
  /** Every byte was read and checked: keep the file (Cache Storage) and release the stream. */
  commit(): Promise<void>;
  /** Stop reading; nothing is kept, and a cached copy that failed its checks is dropped. */
  cancel(reason: unknown): Promise<void>;
}

export interface ModelSource {
  /** The folder, as given (Hub id, URL or path), for messages. */
  readonly location: string;
  /** Whole file; LlmError 'missing_file' (naming the file) when absent (404 / ENOENT). */
  readFile(name: string): Promise<Uint8Array>;
  readText(name: string): Promise<string>;
  /** Parsed JSON; invalid JSON → LlmError 'invalid_config' naming the file. */
  readJson(name: string): Promise<unknown>;
  exists(name: string): Promise<boolean>;
  /** The file's first `length` bytes (fewer when it is shorter) and its size when known; kept nowhere. */
  readHead(name: string, length: number): Promise<{ bytes: Uint8Array; size: number | undefined }>;
  /** The whole file as a stream of chunks. */
  openStream(name: string): Promise<FileStream>;
}

/** The source's methods, bound, so one can be replaced in a copy (`{ ...boundSource(s), readJson }`). */
export function boundSource(source: ModelSource): ModelSource {
  return {
    location: source.location,
    readFile: (name) => source.readFile(name),
    readText: (name) => source.readText(name),
    readJson: (name) => source.readJson(name),
    exists: (name) => source.exists(name),
    readHead: (name, length) => source.readHead(name, length),
    openStream: (name) => source.openStream(name),
  };
}

export interface ModelSourceOptions extends HubOptions {
  /** Where fetched files are kept and looked up first (http sources only). */
  readonly cache?: FileCache | undefined;
  readonly onFileProgress?: FileProgressListener | undefined;
}

export function openModelSource(model: string | URL, options: ModelSourceOptions = {}): ModelSource {
  const location = resolveModelLocation(model, options);
  if (location.kind === 'local') return new LocalModelSource(location.location, location.path, location.isFileUrl, options.onFileProgress);
  return new HttpModelSource(location.url, location.location, options.cache, options.onFileProgress);
}
