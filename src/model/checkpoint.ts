/**
 * A checkpoint's tensors across its safetensors files: a single `model.safetensors`, or shards
 * listed by `model.safetensors.index.json` (`weight_map`: tensor → file). Each shard is read
 * once; tensors are views into the shard bytes.
 */
import { LlmError } from '../errors.ts';
import type { ModelSource } from './model-source.ts';
import { parseSafetensors, type TensorInfo } from './safetensors.ts';

export interface Checkpoint {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** The safetensors files read, in order. */
  readonly files: string[];
}

const SINGLE_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';

export async function openCheckpoint(source: ModelSource): Promise<Checkpoint> {
  if (await source.exists(INDEX_FILE)) return openSharded(source);
  if (!(await source.exists(SINGLE_FILE))) {
    throw new LlmError('missing_file', `no ${SINGLE_FILE} or ${INDEX_FILE} in ${source.location}`, SINGLE_FILE);
  }
  const tensors = parseSafetensors(await source.readFile(SINGLE_FILE), SINGLE_FILE);
  return { tensors, files: [SINGLE_FILE] };
}

async function openSharded(source: ModelSource): Promise<Checkpoint> {
  const weightMap = readWeightMap(await source.readJson(INDEX_FILE));
  const files = [...new Set(weightMap.values())];
  // Shards download in parallel; the total memory is the same either way.
  const shards = await Promise.all(
    files.map(async (file) => parseSafetensors(await source.readFile(file), file)),
  );

  const tensors = new Map<string, TensorInfo>();
  for (const shard of shards) for (const [name, info] of shard) tensors.set(name, info);
  for (const [name, file] of weightMap) {
    if (tensors.get(name)?.file !== file) {
      throw new LlmError('missing_tensor', `${INDEX_FILE} places tensor "${name}" in ${file}, but ${file} does not hold it`, name);
    }
  }
  return { tensors, files };
}

function readWeightMap(index: unknown): Map<string, string> {
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new LlmError('invalid_safetensors', `${INDEX_FILE}: "weight_map" must be an object of tensor → file`, INDEX_FILE);
  }
  const map = new Map<string, string>();
  for (const [name, file] of Object.entries(weightMap)) {
    // Shard names are plain file names in the same folder; refuse anything that walks out of it.
    if (typeof file !== 'string' || file === '' || file.startsWith('/') || file.split(/[\\/]/).includes('..')) {
      throw new LlmError('invalid_safetensors', `${INDEX_FILE}: tensor "${name}" maps to a bad file ${JSON.stringify(file)}`, name);
    }
    map.set(name, file);
  }
  return map;
}
