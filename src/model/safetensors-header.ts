/**
 * The safetensors header, checked on its own before any tensor byte is read: an 8-byte
 * little-endian u64 length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__"?}`, then the data section (offsets relative to its start). As in the reference
 * implementation, the data section is exactly indexed: tensors are contiguous from 0, without
 * holes or overlaps, and the file ends where the last tensor does. So the header alone gives the
 * file's exact size, and a download that is shorter or longer is caught, naming the file.
 */
import { LlmError } from '../errors.ts';
import { printable } from '../printable-text.ts';

/** I32: the packed integer tensors of 4-bit checkpoints (qweight, qzeros, g_idx). */
export type TensorDtype = 'BF16' | 'F16' | 'F32' | 'I32';

export const DTYPE_BYTES: Readonly<Record<TensorDtype, number>> = { BF16: 2, F16: 2, F32: 4, I32: 4 };

/** What the header says about one tensor. */
export interface TensorHeader {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  /** The file (shard) the tensor lives in, for error messages. */
  readonly file: string;
}

export interface TensorEntry extends TensorHeader {
  /** Byte range in the data section. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly file: string;
  /** 8 + N: where the data section starts. */
  readonly dataStart: number;
  /** The file's exact size: dataStart + the largest data_offsets end. */
  readonly fileSize: number;
  /** In header order. */
  readonly tensors: readonly TensorEntry[];
}

/** The reference implementation's limit on N; a larger one is a corrupt length field. */
export const MAX_HEADER_BYTES = 100_000_000;

/** N from the file's first 8 bytes; `fileSize`, when known, must hold the header. */
export function readHeaderLength(first: Uint8Array, file: string, fileSize: number | undefined): number {
  if (first.byteLength < 8) {
    throw new LlmError('truncated_file', `${file}: ${first.byteLength} bytes, shorter than the 8-byte header length`, file);
  }
  const length = new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true);
  if (fileSize !== undefined && length > BigInt(fileSize - 8)) {
    throw new LlmError('truncated_file', `${file}: header longer than the file (header ${length} bytes, file ${fileSize} bytes)`, file);
  }
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new LlmError('invalid_safetensors', `${file}: header length ${length} is over the ${MAX_HEADER_BYTES}-byte limit (corrupt file?)`, file);
  }
  return Number(length);
}

/** Parses and checks the header from `head`, which holds at least the file's first 8 + N bytes. */
export function parseSafetensorsHeader(head: Uint8Array, file: string): SafetensorsHeader {
  const dataStart = 8 + readHeaderLength(head, file, undefined);
  if (head.byteLength < dataStart) {
    throw new LlmError('truncated_file', `${file}: header longer than the file (header ${dataStart - 8} bytes, file ${head.byteLength} bytes)`, file);
  }
  const json = parseJson(head.subarray(8, dataStart), file);
  const tensors: TensorEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name !== '__metadata__') tensors.push(parseEntry(name, value, file));
  }
  let end = 0;
  for (const tensor of [...tensors].sort((a, b) => a.begin - b.begin)) {
    if (tensor.begin !== end) {
      throw new LlmError(
        'invalid_safetensors',
        `${file}: tensor "${printable(tensor.name)}" starts at data byte ${tensor.begin}, expected ${end} (tensors must be contiguous, without holes or overlaps)`,
        tensor.name,
      );
    }
    end = tensor.end;
  }
  return { file, dataStart, fileSize: dataStart + end, tensors };
}

/** The file must be exactly as long as its header says: shorter is 'truncated_file' (naming the first tensor cut), longer 'invalid_safetensors'. */
export function checkFileSize(header: SafetensorsHeader, size: number): void {
  if (size < header.fileSize) throw truncationError(header, size);
  if (size > header.fileSize) {
    throw new LlmError(
      'invalid_safetensors',
      `${header.file}: ${size} bytes or more, but its header accounts for ${header.fileSize} (extra data after the last tensor)`,
      header.file,
    );
  }
}

/** The file ended after `size` bytes: names the first tensor cut off (the file when there is none). */
export function truncationError(header: SafetensorsHeader, size: number): LlmError {
  const { file, dataStart, fileSize } = header;
  const cut = [...header.tensors].sort((a, b) => a.begin - b.begin).find((tensor) => dataStart + tensor.end > size);
  const what = cut === undefined ? 'the header' : `tensor "${printable(cut.name)}" ends at byte ${dataStart + cut.end} but`;
  return new LlmError('truncated_file', `${file}: ${what} the file has ${size} of ${fileSize} bytes (truncated download?)`, cut?.name ?? file);
}

function parseEntry(name: string, entry: unknown, file: string): TensorEntry {
  const invalid = (why: string): LlmError => new LlmError('invalid_safetensors', `${file}: tensor "${printable(name)}" ${why}`, name);
  if (typeof entry !== 'object' || entry === null) throw invalid('has no header entry object');
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (!isDtype(dtype)) {
    throw new LlmError('unknown_dtype', `${file}: tensor "${printable(name)}" has dtype ${printable(JSON.stringify(dtype) ?? 'undefined')}; supported: BF16, F16, F32, I32`, name);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) throw invalid(`has a bad shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    throw invalid(`has bad data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw invalid(`has data_offsets [${begin}, ${end}] with end before begin`);
  const expectedBytes = shape.reduce((product: number, size: number) => product * size, 1) * DTYPE_BYTES[dtype];
  if (end - begin !== expectedBytes) {
    throw invalid(`has ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expectedBytes}`);
  }
  return { name, dtype, shape, file, begin, end };
}

function isDtype(value: unknown): value is TensorDtype {
  return value === 'BF16' || value === 'F16' || value === 'F32' || value === 'I32';
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseJson(bytes: Uint8Array, file: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8').decode(bytes));
  } catch (error) {
    const why = printable(error instanceof Error ? error.message : String(error));
    throw new LlmError('invalid_safetensors', `${file}: header is not valid JSON: ${why}`, file);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new LlmError('invalid_safetensors', `${file}: header is not a JSON object`, file);
  }
  return header as Record<string, unknown>;
}
