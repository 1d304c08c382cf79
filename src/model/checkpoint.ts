/**
 * A checkpoint's layout from its safetensors headers alone: a single `model.safetensors`, or
 * shards listed by `model.safetensors.index.json` (`weight_map`: tensor → file). Only each file's
 * header is read here (a Range request, or the start of a cached or local file), so names, shapes
 * and dtypes can be validated against config.json, and every file's exact size is known, before
 * any tensor byte is downloaded. checkpoint-stream.ts then streams the data.
 */
import { LlmError } from '../errors.ts';
import type { ModelSource } from '../hub/model-source.ts';
import { printable } from '../printable-text.ts';
import {
  checkFileSize,
  parseSafetensorsHeader,
  readHeaderLength,
  type SafetensorsHeader,
  type TensorEntry,
  type TensorHeader,
} from './safetensors-header.ts';

/** What validation and planning need: every tensor's name, dtype, shape and file. */
export interface Checkpoint {
  readonly tensors: ReadonlyMap<string, TensorHeader>;
  /** The safetensors files, in order. */
  readonly files: string[];
}

export interface CheckpointShard {
  readonly header: SafetensorsHeader;
  /** The file's first dataStart bytes, to check that the streamed file is the one validated. */
  readonly head: Uint8Array;
}

export interface CheckpointLayout extends Checkpoint {
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  readonly shards: readonly CheckpointShard[];
}

const SINGLE_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';
/** First read of a file's start: holds the header of any real shard in one request. */
const HEAD_GUESS_BYTES = 256 * 1024;

export async function openCheckpoint(source: ModelSource): Promise<CheckpointLayout> {
  if (await source.exists(INDEX_FILE)) return openSharded(source);
  if (!(await source.exists(SINGLE_FILE))) {
    throw new LlmError('missing_file', `no ${SINGLE_FILE} or ${INDEX_FILE} in ${source.location}`, SINGLE_FILE);
  }
  const shard = await readShardHeader(source, SINGLE_FILE);
  return { tensors: new Map(shard.header.tensors.map((tensor) => [tensor.name, tensor])), files: [SINGLE_FILE], shards: [shard] };
}

/** Reads and checks one file's header; a known file size must match the header exactly. */
export async function readShardHeader(source: ModelSource, file: string): Promise<CheckpointShard> {
  let { bytes, size } = await source.readHead(file, HEAD_GUESS_BYTES);
  const headerLength = readHeaderLength(bytes, file, size);
  // A header longer than the first read: read again up to its end (a short file stops there anyway).
  if (bytes.byteLength < 8 + headerLength && bytes.byteLength === HEAD_GUESS_BYTES) ({ bytes } = await source.readHead(file, 8 + headerLength));
  const header = parseSafetensorsHeader(bytes, file);
  if (size !== undefined) checkFileSize(header, size);
  return { header, head: bytes.slice(0, header.dataStart) };
}

async function openSharded(source: ModelSource): Promise<CheckpointLayout> {
  const weightMap = readWeightMap(await source.readJson(INDEX_FILE));
  const files = [...new Set(weightMap.values())];
  // Headers are small: read them all at once.
  const shards = await Promise.all(files.map((file) => readShardHeader(source, file)));

  const tensors = new Map<string, TensorEntry>();
  for (const shard of shards) {
    for (const tensor of shard.header.tensors) {
      // Both copies would stream onto the GPU: refuse rather than pick one.
      const other = tensors.get(tensor.name);
      if (other !== undefined) throw new LlmError('invalid_safetensors', `tensor "${printable(tensor.name)}" is in both ${other.file} and ${tensor.file}`, tensor.name);
      tensors.set(tensor.name, tensor);
    }
  }
  for (const [name, file] of weightMap) {
    if (tensors.get(name)?.file !== file) {
      throw new LlmError('missing_tensor', `${INDEX_FILE} places tensor "${printable(name)}" in ${file}, but ${file} does not hold it`, name);
    }
  }
  return { tensors, files, shards };
}

function readWeightMap(index: unknown): Map<string, string> {
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new LlmError('invalid_safetensors', `${INDEX_FILE}: "weight_map" must be an object of tensor → file`, INDEX_FILE);
  }
  const map = new Map<string, string>();
  for (const [name, file] of Object.entries(weightMap)) {
    // Shard names are plain file names in the same folder; refuse anything that walks out of it
    // (or that a message could not print).
    if (typeof file !== 'string' || file === '' || file.startsWith('/') || file.split(/[\\/]/).includes('..') || printable(file) !== file) {
      throw new LlmError('invalid_safetensors', `${INDEX_FILE}: tensor "${printable(name)}" maps to a bad file ${printable(JSON.stringify(file) ?? 'undefined')}`, name);
    }
    map.set(name, file);
  }
  return map;
}
