/**
 * Everything a load reads before the weights stream: config.json, generation_config.json, the
 * safetensors headers (validated against the config) and the tokenizer — from a Hub id, a
 * folder URL or a local folder, through Cache Storage where wanted. No GPU here: the weights'
 * bytes are streamed later, straight onto the GPU (load-model.ts).
 */
import { FileCache } from '../hub/file-cache.ts';
import { resolveModelLocation, type HubOptions } from '../hub/model-location.ts';
import { loadTokenizer, type TextTokenizer } from '../text/tokenizer.ts';
import { openCheckpoint, type CheckpointLayout } from './checkpoint.ts';
import { parseModelConfig, type ModelConfig } from './config.ts';
import { parseGenerationConfig, type GenerationConfig } from './generation-config.ts';
import type { ProgressTracker } from './load-progress.ts';
import { openModelSource, type ModelSource } from './model-source.ts';
import { validateCheckpoint } from './tensor-names.ts';

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
  const generationConfig = (await source.exists('generation_config.json'))
    ? parseGenerationConfig(await source.readJson('generation_config.json'))
    : { eosTokenIds: [...config.eosTokenIds] };
  if (generationConfig.eosTokenIds.length === 0) generationConfig.eosTokenIds = [...config.eosTokenIds];
  const checkpoint = await openCheckpoint(source);
  // Every weight file's size is known from its header: announce them before the long phase.
  for (const { header } of checkpoint.shards) progress.expect(header.file, header.fileSize);
  validateCheckpoint(config, checkpoint);
  const tokenizer = await loadTokenizer(source);
  return { source, config, generationConfig, checkpoint, tokenizer };
}
