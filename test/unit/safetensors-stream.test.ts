/**
 * Streaming safetensors: the byte reader over chunks split at random positions (inside the 8-byte
 * length and the JSON header too), header validation on its own, and streamCheckpoint handing
 * over pieces of whole rows that reassemble — and convert to f16 piece by piece — to exactly what
 * the whole-file parser gives. Truncated, over-long, changed and broken transfers are refused
 * with typed errors naming the file (and the tensor cut off).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLlmError, type ErrorCode } from '../../src/errors.ts';
import { ByteReader } from '../../src/model/byte-reader.ts';
import { openCheckpoint } from '../../src/model/checkpoint.ts';
import { streamCheckpoint, type TensorPiece } from '../../src/model/checkpoint-stream.ts';
import type { FileStream } from '../../src/hub/model-source.ts';
import { checkFileSize, MAX_HEADER_BYTES, parseSafetensorsHeader, readHeaderLength } from '../../src/model/safetensors-header.ts';
import { parseSafetensors, toFloat16Bits } from '../../src/model/safetensors.ts';
import { BaseModelSource, fileStream } from '../../src/hub/source-base.ts';
import { Random } from '../support/random.ts';
import { buildSafetensors, f32Bytes } from './helpers/safetensors-bytes.ts';

/** Splits bytes into chunks at random positions (empty chunks included, as transports may give). */
function randomChunks(bytes: Uint8Array, random: Random, maxChunk: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.byteLength;) {
    const size = random.next() < 0.05 ? 0 : random.int(1, maxChunk);
    chunks.push(bytes.slice(offset, offset + size));
    offset += size;
  }
  return chunks;
}

interface MemoryOptions {
  /** Largest chunk a stream yields; default the whole file. */
  maxChunk?: number;
  seed?: number;
  /** Announce the size (as Content-Length would); default true. */
  announceSize?: boolean;
  /** What openStream serves instead of the file (a file changed or cut after its header was read). */
  streamed?: Record<string, Uint8Array>;
  /** The transport fails after this many bytes. */
  failAfter?: number;
}

/** Files in memory behind the ModelSource interface, streamed in random chunks. */
class MemorySource extends BaseModelSource {
  readonly opened: string[] = [];
  private readonly random: Random;

  constructor(private readonly files: Record<string, Uint8Array>, private readonly options: MemoryOptions = {}) {
    super('memory');
    this.random = new Random(options.seed ?? 1);
  }

  async exists(name: string): Promise<boolean> {
    return name in this.files;
  }

  async readHead(name: string, length: number): Promise<{ bytes: Uint8Array; size: number | undefined }> {
    const bytes = this.files[name]!;
    return { bytes: bytes.slice(0, length), size: this.options.announceSize === false ? undefined : bytes.byteLength };
  }

  async openStream(name: string): Promise<FileStream> {
    this.opened.push(name);
    const bytes = this.options.streamed?.[name] ?? this.files[name]!;
    const chunks = randomChunks(bytes, this.random, this.options.maxChunk ?? Math.max(1, bytes.byteLength));
    let sent = 0;
    return fileStream({
      name,
      size: this.options.announceSize === false ? undefined : bytes.byteLength,
      fromCache: false,
      read: async () => {
        const chunk = chunks.shift();
        if (chunk !== undefined && this.options.failAfter !== undefined && sent + chunk.byteLength > this.options.failAfter) throw new TypeError('terminated');
        sent += chunk?.byteLength ?? 0;
        return chunk;
      },
      release: async () => undefined,
    });
  }
}

async function rejection(promise: Promise<unknown>): Promise<{ code: ErrorCode; subject: string; message: string }> {
  const caught = await promise.then(() => undefined, (error: unknown) => error);
  expect(isLlmError(caught), `expected an LlmError, got ${String(caught)}`).toBe(true);
  return caught as { code: ErrorCode; subject: string; message: string };
}

/** Streams every piece of a file's tensors and checks each piece is whole rows within the bound. */
async function streamPieces(source: MemorySource, pieceBytes?: number): Promise<TensorPiece[]> {
  const layout = await openCheckpoint(source);
  const pieces: TensorPiece[] = [];
  await streamCheckpoint(source, layout, (piece) => void pieces.push({ ...piece, data: piece.data.slice() }), pieceBytes === undefined ? {} : { pieceBytes });
  return pieces;
}

function reassemble(pieces: readonly TensorPiece[], name: string): Uint8Array {
  const parts = pieces.filter((piece) => piece.name === name);
  const out = new Uint8Array(parts.reduce((sum, piece) => sum + piece.data.byteLength, 0));
  parts.reduce((offset, piece) => (out.set(piece.data, offset), offset + piece.data.byteLength), 0);
  return out;
}

const sample = () =>
  buildSafetensors([
    { name: 'matrix', dtype: 'F32', shape: [7, 5], data: f32Bytes(Array.from({ length: 35 }, (_, i) => i * 0.25 - 3)) },
    { name: 'vector', dtype: 'BF16', shape: [9], data: new Uint8Array(Array.from({ length: 18 }, (_, i) => (i * 37) & 0xff)) },
    { name: 'scalar', dtype: 'F16', shape: [], data: new Uint8Array([0x00, 0x3c]) },
    { name: 'empty', dtype: 'F16', shape: [0, 3] },
    { name: 'halves', dtype: 'F16', shape: [3, 4], data: new Uint8Array(Array.from({ length: 24 }, (_, i) => (i * 11) & 0x7f)) },
  ]);

describe('ByteReader', () => {
  it('reads and skips exactly, across chunk boundaries at random positions', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const random = new Random(seed);
      const data = Uint8Array.from({ length: random.int(0, 400) }, () => random.int(0, 255));
      const chunks = randomChunks(data, random, random.int(1, 40));
      const reader = new ByteReader(async () => chunks.shift());
      let position = 0;
      while (position < data.byteLength) {
        const length = random.int(0, 50);
        const expected = data.subarray(position, Math.min(position + length, data.byteLength));
        if (random.next() < 0.3) expect(await reader.skip(length)).toBe(expected.byteLength);
        else expect(Array.from(await reader.read(length)), `seed ${seed} at ${position}`).toEqual(Array.from(expected));
        position += expected.byteLength;
        expect(reader.position).toBe(position);
      }
      expect(await reader.atEnd()).toBe(true);
      expect((await reader.read(4)).byteLength).toBe(0);
    }
  });

  it('hands out a view (no copy) when one chunk holds the bytes', async () => {
    const chunk = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const reader = new ByteReader(async () => chunk);
    const view = await reader.read(4);
    expect(view.buffer).toBe(chunk.buffer);
  });
});

describe('safetensors header on its own', () => {
  it('gives the exact file size and refuses a file shorter or longer than that', () => {
    const bytes = sample();
    const header = parseSafetensorsHeader(bytes, 'm.safetensors');
    expect(header.fileSize).toBe(bytes.byteLength);
    expect(header.tensors.map((tensor) => tensor.name)).toEqual(['matrix', 'vector', 'scalar', 'empty', 'halves']);
    expect(() => checkFileSize(header, bytes.byteLength)).not.toThrow();
    const short = (() => { try { checkFileSize(header, bytes.byteLength - 1); } catch (error) { return error as { code: string; subject: string; message: string }; } })();
    expect(short).toMatchObject({ code: 'truncated_file', subject: 'halves' });
    expect(short?.message).toContain('m.safetensors');
    expect(() => checkFileSize(header, bytes.byteLength + 1)).toThrow(/extra data/);
  });

  it('refuses holes, overlaps and data not starting at 0 (the reference library does too)', () => {
    const withOffsets = (offsets: Array<[number, number]>) => {
      const json: Record<string, unknown> = {};
      offsets.forEach(([begin, end], i) => (json[`t${i}`] = { dtype: 'F16', shape: [(end - begin) / 2], data_offsets: [begin, end] }));
      const text = new TextEncoder().encode(JSON.stringify(json));
      const head = new Uint8Array(8 + text.byteLength);
      new DataView(head.buffer).setBigUint64(0, BigInt(text.byteLength), true);
      head.set(text, 8);
      return head;
    };
    expect(parseSafetensorsHeader(withOffsets([[4, 8], [0, 4]]), 'f').fileSize).toBeGreaterThan(8);
    for (const offsets of [[[0, 4], [6, 8]], [[0, 4], [2, 6]], [[2, 4]]] as Array<Array<[number, number]>>) {
      expect(() => parseSafetensorsHeader(withOffsets(offsets), 'f'), JSON.stringify(offsets)).toThrow(/contiguous/);
    }
  });

  it('refuses a header length over the limit as corrupt, or over the file size as truncated', () => {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
    expect(() => readHeaderLength(head, 'f', undefined)).toThrow(/limit/);
    expect(() => readHeaderLength(head, 'f', 1000)).toThrow(/header longer than the file/);
    expect(() => readHeaderLength(head.subarray(0, 5), 'f', undefined)).toThrow(/8-byte/);
  });
});

describe('streamCheckpoint', () => {
  it('pieces of whole rows reassemble to the whole-file parse, for random chunkings and piece sizes', async () => {
    const bytes = sample();
    const whole = parseSafetensors(bytes, 'model.safetensors');
    for (let seed = 1; seed <= 40; seed++) {
      const random = new Random(seed);
      const pieceBytes = random.int(1, 64);
      const source = new MemorySource({ 'model.safetensors': bytes }, { seed, maxChunk: random.int(1, 13) });
      const pieces = await streamPieces(source, pieceBytes);
      for (const [name, info] of whole) {
        expect(Array.from(reassemble(pieces, name)), `${name}, seed ${seed}`).toEqual(Array.from(info.data));
        let nextRow = 0;
        for (const piece of pieces.filter((p) => p.name === name)) {
          expect(piece.firstRow).toBe(nextRow);
          expect(piece.shape.slice(1)).toEqual(info.shape.slice(1));
          const rowBytes = info.data.byteLength / Math.max(1, info.shape[0] ?? 1);
          // At most one piece (or one row, if a row is larger) is handed over at a time.
          expect(piece.data.byteLength).toBeLessThanOrEqual(Math.max(pieceBytes, rowBytes));
          nextRow += piece.shape[0] ?? 1;
        }
      }
      expect(source.opened).toEqual(['model.safetensors']);
    }
  });

  it('converting piece by piece gives the same f16 weights as converting whole tensors (fixture qwen2-bf16)', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('../fixtures/qwen2-bf16/model.safetensors', import.meta.url)));
    const whole = parseSafetensors(bytes, 'model.safetensors');
    const source = new MemorySource({ 'model.safetensors': bytes }, { seed: 7, maxChunk: 4093 });
    const halves = new Map<string, number[]>();
    const layout = await openCheckpoint(source);
    await streamCheckpoint(source, layout, (piece) => void halves.set(piece.name, [...(halves.get(piece.name) ?? []), ...toFloat16Bits(piece)]), { pieceBytes: 1000 });
    expect(halves.size).toBe(whole.size);
    for (const [name, info] of whole) expect(halves.get(name), name).toEqual(Array.from(toFloat16Bits(info)));
  });

  it('skips tensors the sink does not want, still checking their bytes arrive', async () => {
    const source = new MemorySource({ 'model.safetensors': sample() }, { maxChunk: 5 });
    const layout = await openCheckpoint(source);
    const names = new Set<string>();
    await streamCheckpoint(source, layout, (piece) => void names.add(piece.name), { wants: (name) => name === 'vector' });
    expect([...names]).toEqual(['vector']);
  });

  it('a stream shorter than its header says is truncated_file naming the tensor cut and the file (size unknown)', async () => {
    const bytes = sample();
    const source = new MemorySource({ 'model.safetensors': bytes }, { announceSize: false, maxChunk: 3, streamed: { 'model.safetensors': bytes.slice(0, bytes.byteLength - 10) } });
    const error = await rejection(streamPieces(source));
    expect(error.code).toBe('truncated_file');
    expect(error.subject).toBe('halves');
    expect(error.message).toContain('model.safetensors');
  });

  it('an announced size that disagrees with the header is refused before any piece', async () => {
    const bytes = sample();
    const source = new MemorySource({ 'model.safetensors': bytes }, { streamed: { 'model.safetensors': bytes.slice(0, 60) } });
    const pieces: TensorPiece[] = [];
    const layout = await openCheckpoint(source);
    const error = await rejection(streamCheckpoint(source, layout, (piece) => void pieces.push(piece)));
    expect(error.code).toBe('truncated_file');
    expect(pieces).toEqual([]);
  });

  it('bytes after the last tensor are invalid_safetensors naming the file', async () => {
    const bytes = sample();
    const longer = new Uint8Array(bytes.byteLength + 3);
    longer.set(bytes);
    const source = new MemorySource({ 'model.safetensors': bytes }, { announceSize: false, maxChunk: 4, streamed: { 'model.safetensors': longer } });
    const error = await rejection(streamPieces(source));
    expect(error).toMatchObject({ code: 'invalid_safetensors', subject: 'model.safetensors' });
  });

  it('a header that changed since it was validated is refused', async () => {
    const bytes = sample();
    const changed = bytes.slice();
    const at = new TextDecoder().decode(changed).indexOf('"matrix"');
    changed[at + 1] = 'M'.charCodeAt(0);
    const source = new MemorySource({ 'model.safetensors': bytes }, { maxChunk: 6, streamed: { 'model.safetensors': changed } });
    const error = await rejection(streamPieces(source));
    expect(error).toMatchObject({ code: 'invalid_safetensors', subject: 'model.safetensors' });
    expect(error.message).toContain('changed');
  });

  it('a transfer that breaks off is truncated_file naming the file, the bytes it got and the size', async () => {
    const bytes = sample();
    const source = new MemorySource({ 'model.safetensors': bytes }, { maxChunk: 16, failAfter: 200 });
    const error = await rejection(streamPieces(source));
    expect(error).toMatchObject({ code: 'truncated_file', subject: 'model.safetensors' });
    expect(error.message).toMatch(new RegExp(`after \\d+ of ${bytes.byteLength} bytes`));
  });
});
