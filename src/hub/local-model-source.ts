/**
 * A model folder on the local disk (Node only). Weight files are read in 1 MiB chunks, so no file
 * is held whole. Node modules are imported dynamically through a variable so that a browser
 * bundle never pulls them in.
 */
import type { FileProgressListener, FileStream } from './model-source.ts';
import { BaseModelSource, fileStream, missing } from './source-base.ts';

type FsPromises = typeof import('node:fs/promises');
type FileHandle = Awaited<ReturnType<FsPromises['open']>>;

const CHUNK_BYTES = 1 << 20;

async function importNode<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

export class LocalModelSource extends BaseModelSource {
  private folder: Promise<string> | undefined;

  constructor(
    location: string,
    private readonly path: string,
    private readonly isFileUrl: boolean,
    private readonly onProgress: FileProgressListener | undefined,
  ) {
    super(location);
  }

  async exists(name: string): Promise<boolean> {
    const fs = await importNode<FsPromises>('node:fs/promises');
    try {
      return (await fs.stat(await this.file(name))).isFile();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw error;
    }
  }

  async readHead(name: string, length: number): Promise<{ bytes: Uint8Array; size: number | undefined }> {
    const handle = await this.open(name);
    try {
      const size = (await handle.stat()).size;
      const bytes = new Uint8Array(Math.min(length, size));
      let filled = 0;
      while (filled < bytes.byteLength) {
        const { bytesRead } = await handle.read(bytes, filled, bytes.byteLength - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return { bytes: bytes.subarray(0, filled), size };
    } finally {
      await handle.close();
    }
  }

  async openStream(name: string): Promise<FileStream> {
    const handle = await this.open(name);
    let size: number;
    try {
      size = (await handle.stat()).size;
    } catch (error) {
      await handle.close();
      throw error;
    }
    let position = 0;
    let closed = false;
    return fileStream({
      name,
      size,
      fromCache: false,
      onProgress: this.onProgress,
      read: async () => {
        if (position >= size) return undefined;
        // A fresh buffer per chunk: the reader may keep views into earlier chunks.
        const chunk = new Uint8Array(Math.min(CHUNK_BYTES, size - position));
        const { bytesRead } = await handle.read(chunk, 0, chunk.byteLength, position);
        if (bytesRead === 0) return undefined; // the file shrank while being read
        position += bytesRead;
        return chunk.subarray(0, bytesRead);
      },
      release: async () => {
        if (closed) return;
        closed = true;
        await handle.close();
      },
    });
  }

  private async open(name: string): Promise<FileHandle> {
    const fs = await importNode<FsPromises>('node:fs/promises');
    const path = await this.file(name);
    try {
      const handle = await fs.open(path, 'r');
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw missing(name, this.location, 'EISDIR');
      }
      return handle;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw missing(name, this.location, String(code));
      throw error;
    }
  }

  private async file(name: string): Promise<string> {
    this.folder ??= this.isFileUrl
      ? importNode<typeof import('node:url')>('node:url').then((url) => url.fileURLToPath(this.path))
      : Promise.resolve(this.path);
    // Forward slashes work on every platform Node runs on; no node:path needed.
    return `${(await this.folder).replace(/[\\/]+$/, '')}/${name}`;
  }
}
