/**
 * Streams a validated checkpoint's tensors, file by file, in the order their bytes arrive. Each
 * tensor is handed over in pieces of whole rows (at most `pieceBytes`, at least one row), so
 * memory holds one piece plus one transport chunk, never a whole tensor or file. The streamed
 * file must be the one whose header was validated (same header bytes) and exactly as long as
 * that header says; only then is it committed (Cache Storage). Any failure cancels the stream,
 * so nothing partial is kept.
 */
import { LlmError } from '../errors.ts';
import { ByteReader } from './byte-reader.ts';
import type { CheckpointLayout, CheckpointShard } from './checkpoint.ts';
import type { FileStream, ModelSource } from '../hub/model-source.ts';
import { checkFileSize, DTYPE_BYTES, truncationError, type TensorEntry } from './safetensors-header.ts';
import type { TensorInfo } from './safetensors.ts';

/** Rows [firstRow, firstRow + shape[0]) of a tensor; `shape` is the piece's own. */
export interface TensorPiece extends TensorInfo {
  readonly firstRow: number;
}

export type PieceSink = (piece: TensorPiece) => void | Promise<void>;

export interface StreamOptions {
  /** Largest piece handed over, in bytes of the checkpoint's dtype; default 4 MiB. */
  readonly pieceBytes?: number;
  /** Tensors the sink wants; the others are skipped (lm_head of a tied model). Default: all. */
  readonly wants?: (name: string) => boolean;
}

const DEFAULT_PIECE_BYTES = 4 * 1024 * 1024;

export async function streamCheckpoint(source: ModelSource, layout: CheckpointLayout, sink: PieceSink, options: StreamOptions = {}): Promise<void> {
  for (const shard of layout.shards) {
    const stream = await source.openStream(shard.header.file);
    try {
      await streamShard(stream, shard, sink, options);
    } catch (error) {
      await stream.cancel(error);
      throw error;
    }
    await stream.commit();
  }
}

async function streamShard(stream: FileStream, shard: CheckpointShard, sink: PieceSink, options: StreamOptions): Promise<void> {
  const { header } = shard;
  const { file } = header;
  if (stream.size !== undefined) checkFileSize(header, stream.size);
  const reader = new ByteReader(() => stream.next());
  const head = await reader.read(header.dataStart);
  if (head.byteLength < header.dataStart) throw truncationError(header, reader.position);
  if (!sameBytes(head, shard.head)) {
    throw new LlmError('invalid_safetensors', `${file}: the header changed between reads (was the file replaced during the load?)`, file);
  }
  const wants = options.wants ?? (() => true);
  const pieceBytes = options.pieceBytes ?? DEFAULT_PIECE_BYTES;
  // Contiguous from 0 (checked with the header), so reading in offset order never skips back.
  for (const tensor of [...header.tensors].sort((a, b) => a.begin - b.begin)) {
    const byteLength = tensor.end - tensor.begin;
    if (!wants(tensor.name)) {
      if ((await reader.skip(byteLength)) < byteLength) throw truncationError(header, reader.position);
      continue;
    }
    const { rows, rowBytes } = rowsOf(tensor);
    if (byteLength === 0) {
      await sink({ name: tensor.name, dtype: tensor.dtype, file, shape: tensor.shape, data: new Uint8Array(0), firstRow: 0 });
      continue;
    }
    const rowsPerPiece = Math.max(1, Math.floor(pieceBytes / rowBytes));
    for (let firstRow = 0; firstRow < rows; firstRow += rowsPerPiece) {
      const count = Math.min(rowsPerPiece, rows - firstRow);
      const data = await reader.read(count * rowBytes);
      if (data.byteLength < count * rowBytes) throw truncationError(header, reader.position);
      await sink({ name: tensor.name, dtype: tensor.dtype, file, shape: [count, ...tensor.shape.slice(1)], data, firstRow });
    }
  }
  if (!(await reader.atEnd())) checkFileSize(header, reader.position + 1);
}

/** A tensor as rows along its first axis (a scalar is one row of one element). */
function rowsOf(tensor: TensorEntry): { rows: number; rowBytes: number } {
  const [rows = 1, ...rest] = tensor.shape;
  return { rows, rowBytes: rest.reduce((product, size) => product * size, 1) * DTYPE_BYTES[tensor.dtype] };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
