/**
 * Exact-length reads over a stream of chunks of any size (network packets, cache reads, file
 * reads): `read(n)` gives n bytes whether they sit inside one chunk (a view, no copy) or span
 * several (one copy of n bytes). Only the current chunk is held, so memory is one chunk plus
 * what the caller asked for.
 */
export class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private offset = 0;
  private ended = false;
  /** Bytes consumed so far (read or skipped). */
  position = 0;

  constructor(private readonly nextChunk: () => Promise<Uint8Array | undefined>) {}

  /** The next `length` bytes; fewer only when the stream ends first. */
  async read(length: number): Promise<Uint8Array> {
    if (length > 0 && !(await this.fill())) return new Uint8Array(0);
    if (this.offset + length <= this.chunk.byteLength) return this.take(length);
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (!(await this.fill())) return out.subarray(0, filled);
      const piece = this.take(Math.min(length - filled, this.chunk.byteLength - this.offset));
      out.set(piece, filled);
      filled += piece.byteLength;
    }
    return out;
  }

  /** Drops the next `length` bytes; returns how many there were (fewer when the stream ends first). */
  async skip(length: number): Promise<number> {
    let skipped = 0;
    while (skipped < length) {
      if (!(await this.fill())) break;
      skipped += this.take(Math.min(length - skipped, this.chunk.byteLength - this.offset)).byteLength;
    }
    return skipped;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  private take(length: number): Uint8Array {
    const view = this.chunk.subarray(this.offset, this.offset + length);
    this.offset += length;
    this.position += length;
    return view;
  }

  /** Makes sure the current chunk has a byte left; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    while (this.offset >= this.chunk.byteLength) {
      if (this.ended) return false;
      const next = await this.nextChunk();
      if (next === undefined) {
        this.ended = true;
        this.chunk = new Uint8Array(0);
        this.offset = 0;
        return false;
      }
      this.chunk = next;
      this.offset = 0;
    }
    return true;
  }
}
