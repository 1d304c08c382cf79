/**
 * What every model source shares: whole-file reads (bytes, text, JSON) on top of `openStream`,
 * committed to the cache only once decoded, and the FileStream wrapper that counts bytes,
 * reports progress and turns a broken or short transfer into 'truncated_file'.
 */
import { LlmError } from '../errors.ts';
import type { FileProgressListener, FileStream, ModelSource } from './model-source.ts';
import { printable } from '../printable-text.ts';

export function missing(name: string, where: string, detail: string): LlmError {
  return new LlmError('missing_file', `model file "${name}" not found in ${where} (${detail})`, name);
}

export abstract class BaseModelSource implements ModelSource {
  constructor(readonly location: string) {}

  abstract exists(name: string): Promise<boolean>;
  abstract readHead(name: string, length: number): Promise<{ bytes: Uint8Array; size: number | undefined }>;
  abstract openStream(name: string): Promise<FileStream>;

  readFile(name: string): Promise<Uint8Array> {
    // A JSON file must parse before it is kept: a cut-off download never lands in the cache.
    return this.readChecked(name, (bytes) => (name.endsWith('.json') ? (this.parseJson(name, bytes), bytes) : bytes));
  }

  readText(name: string): Promise<string> {
    return this.readChecked(name, (bytes) => new TextDecoder('utf-8').decode(bytes));
  }

  readJson(name: string): Promise<unknown> {
    return this.readChecked(name, (bytes) => this.parseJson(name, bytes));
  }

  private async readChecked<T>(name: string, decode: (bytes: Uint8Array) => T): Promise<T> {
    const stream = await this.openStream(name);
    let value: T;
    try {
      value = decode(await readAll(stream));
    } catch (error) {
      await stream.cancel(error);
      throw error;
    }
    await stream.commit();
    return value;
  }

  private parseJson(name: string, bytes: Uint8Array): unknown {
    try {
      return JSON.parse(new TextDecoder('utf-8').decode(bytes)) as unknown;
    } catch (error) {
      const why = printable(error instanceof Error ? error.message : String(error));
      throw new LlmError('invalid_config', `${name} in ${this.location} is not valid JSON: ${why}`, name);
    }
  }
}

async function readAll(stream: FileStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (let chunk = await stream.next(); chunk !== undefined; chunk = await stream.next()) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  if (chunks.length === 1 && chunks[0]!.byteOffset === 0 && chunks[0]!.byteLength === chunks[0]!.buffer.byteLength) {
    // A plain Uint8Array (not a Buffer) so callers see the same type in every runtime.
    return new Uint8Array(chunks[0]!.buffer, 0, length);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export interface ChunkSource {
  readonly name: string;
  readonly size: number | undefined;
  readonly fromCache: boolean;
  /** The transport's next chunk, undefined at the end. */
  read(): Promise<Uint8Array | undefined>;
  /** Stops the transport (cancel the body, close the file). */
  release(): Promise<void>;
  /** Sees each chunk before the reader does (the cache writer). */
  onChunk?: ((chunk: Uint8Array) => Promise<void>) | undefined;
  onCommit?: (() => Promise<void>) | undefined;
  onCancel?: ((reason: unknown) => Promise<void>) | undefined;
  onProgress?: FileProgressListener | undefined;
}

/** A FileStream over a transport: counts bytes, reports progress, and turns a broken or short transfer into 'truncated_file'. */
export function fileStream(source: ChunkSource): FileStream {
  const { name, size, fromCache } = source;
  let received = 0;
  let finished = false;
  const truncated = (why: string) =>
    new LlmError('truncated_file', `${name}: ${why} after ${received}${size === undefined ? '' : ` of ${size}`} bytes (interrupted download?)`, name);
  return {
    size,
    fromCache,
    async next() {
      if (finished) return undefined;
      let chunk: Uint8Array | undefined;
      try {
        chunk = await source.read();
      } catch (error) {
        throw truncated(`the transfer failed (${error instanceof Error ? error.message : String(error)})`);
      }
      if (chunk === undefined) {
        finished = true;
        // Fewer bytes than announced is a cut transfer; more can be a compressed body whose encoding is hidden.
        if (size !== undefined && received < size) throw truncated('the transfer ended');
        source.onProgress?.(name, received, received, fromCache);
        return undefined;
      }
      received += chunk.byteLength;
      await source.onChunk?.(chunk);
      source.onProgress?.(name, received, size, fromCache);
      return chunk;
    },
    async commit() {
      finished = true;
      await source.release();
      await source.onCommit?.();
    },
    async cancel(reason) {
      finished = true;
      await source.release().catch(() => undefined);
      await source.onCancel?.(reason);
    },
  };
}
