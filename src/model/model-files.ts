/**
 * Everything a load reads before the weights stream: config.json, generation_config.json (their
 * token ids below vocab_size), the safetensors headers (validated against the config) and the
 * tokenizer (its files checked against the config, tokenizer-files.ts) — from a Hub id, a folder
 * URL or a local folder, through Cache Storage where wanted. No GPU here: the weights' bytes are
 * streamed later, straight onto the GPU (load-model.ts).
 */
import { FileCache } from '../hub/file-cache.ts';
import { resolveModelLocation, type HubOptions } from '../hub/model-location.ts';
import { LlmError } from '../errors.ts';
import type { TextTokenizer } from '../text/tokenizer.ts';
import { openCheckpoint, type CheckpointLayout } from './checkpoint.ts';
import { parseModelConfig, type ModelConfig } from './config.ts';
import { parseGenerationConfig, type GenerationConfig } from './generation-config.ts';
import type { ProgressTracker } from './load-progress.ts';
import { openModelSource, type ModelSource } from '../hub/model-source.ts';
import { validateCheckpoint } from './tensor-names.ts';
import { openTokenizer } from './tokenizer-files.ts';

export interface ModelFileOptions extends HubOptions {
  /** Keep fetched files in Cache Storage and read them from there next time (where Cache
   *  Storage exists). Default: true for Hub ids, false for folder URLs (which may change). */
  readonly cache?: boolean | undefined;
}

export interface ModelFiles {
  readonly source: ModelSource;
  readonly config: ModelConfig;
  readonly generationConfig: GenerationConfig;
  readonly checkpoint: CheckpointLayout;
  readonly tokenizer: TextTokenizer | undefined;
}

export async function openModelFiles(location: string | URL, options: ModelFileOptions, progress: ProgressTracker): Promise<ModelFiles> {
  const resolved = resolveModelLocation(location, options);
  const useCache = resolved.kind !== 'local' && (options.cache ?? resolved.kind === 'hub');
  const source = openModelSource(location, {
    hubUrl: options.hubUrl,
    revision: options.revision,
    cache: useCache ? await FileCache.open() : undefined,
    onFileProgress: (file, loaded, total, fromCache) => progress.update(file, loaded, total, fromCache),
  });
  const config = parseModelConfig(await source.readJson('config.json'));
  checkTokenIds('config.json', config.vocabSize, { bos_token_id: config.bosTokenId === undefined ? [] : [config.bosTokenId], eos_token_id: config.eosTokenIds });
  const generationConfig = (await source.exists('generation_config.json'))
    ? parseGenerationConfig(await source.readJson('generation_config.json'))
    : { eosTokenIds: [...config.eosTokenIds] };
  checkTokenIds('generation_config.json', config.vocabSize, { eos_token_id: generationConfig.eosTokenIds });
  if (generationConfig.eosTokenIds.length === 0) generationConfig.eosTokenIds = [...config.eosTokenIds];
  const checkpoint = await openCheckpoint(source);
  // Every weight file's size is known from its header: announce them before the long phase.
  for (const { header } of checkpoint.shards) progress.expect(header.file, header.fileSize);
  validateCheckpoint(config, checkpoint);
  const tokenizer = await openTokenizer(source, config.vocabSize);
  return { source, config, generationConfig, checkpoint, tokenizer };
}

/** Token ids a file names must be below vocab_size: a stop id above it would never be sampled. */
function checkTokenIds(file: string, vocabSize: number, fields: Record<string, readonly number[]>): void {
  for (const [field, ids] of Object.entries(fields)) {
    const beyond = ids.find((id) => id >= vocabSize);
    if (beyond !== undefined) throw new LlmError('invalid_config', `${file}: field "${field}" has token id ${beyond}, not below vocab_size ${vocabSize}`, field);
  }
}
