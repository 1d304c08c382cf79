/**
 * Loads a Hugging Face model folder (URL or, in Node, a local path) onto a GPU: config, weights
 * (validated against the config before anything is uploaded), tokenizer when present, a KV cache
 * sized from the adapter's limits, and the compiled forward pass. Any failure releases what was
 * made, so no partial model is left usable.
 */
import { LlmError } from '../errors.ts';
import type { GpuContext } from '../gpu/device.ts';
import { awaitGpu } from '../gpu/await-gpu.ts';
import { loadTokenizer, type TextTokenizer } from '../text/tokenizer.ts';
import { openCheckpoint } from './checkpoint.ts';
import { parseModelConfig, type ModelConfig } from './config.ts';
import { parseGenerationConfig, type GenerationConfig } from './generation-config.ts';
import { KvCache } from './kv-cache.ts';
import { planKvCache, weightBytes } from './kv-plan.ts';
import { openModelSource } from './model-source.ts';
import { ModelRunner } from './model-runner.ts';
import { uploadWeights, type ModelWeights } from './model-weights.ts';
import type { StepLimits } from './step-batch.ts';
import { validateCheckpoint } from './tensor-names.ts';

export interface LoadModelOptions {
  /** Longest sequence (prompt + completion) to plan for; default min(max_position_embeddings, 4096). */
  readonly maxModelLen?: number;
  /** Most token rows one step runs (longer prompts are prefilled in chunks); default 512. */
  readonly maxNumBatchedTokens?: number;
  /** Most sequences running at once (each samples at most one token per step); default 16. */
  readonly maxNumSeqs?: number;
  /** Bytes for the KV cache; default scaled to the model's size (kv-plan.ts). */
  readonly kvCacheBytes?: number;
  /** Exactly this many KV blocks of 16 tokens instead of a byte budget. */
  readonly numKvBlocks?: number;
}

export interface LoadedModel {
  readonly gpu: GpuContext;
  readonly location: string;
  readonly config: ModelConfig;
  readonly generationConfig: GenerationConfig;
  /** Absent for a folder without tokenizer.json: token ids still work, text gives 'no_tokenizer'. */
  readonly tokenizer: TextTokenizer | undefined;
  readonly maxModelLen: number;
  readonly kvCache: KvCache;
  readonly runner: ModelRunner;
  dispose(): void;
}

const blockSize = 16;
const requiredStorageBuffers = 7;

export async function loadModel(gpu: GpuContext, location: string | URL, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const { device } = gpu;
  if (device.limits.maxStorageBuffersPerShaderStage < requiredStorageBuffers) {
    throw new LlmError('adapter_insufficient', `the adapter allows ${device.limits.maxStorageBuffersPerShaderStage} storage buffers per shader stage; attention needs ${requiredStorageBuffers}`);
  }
  const source = openModelSource(location);
  const config = parseModelConfig(await source.readJson('config.json'));
  const generationConfig = (await source.exists('generation_config.json'))
    ? parseGenerationConfig(await source.readJson('generation_config.json'))
    : { eosTokenIds: [...config.eosTokenIds] };
  if (generationConfig.eosTokenIds.length === 0) generationConfig.eosTokenIds = [...config.eosTokenIds];
  const checkpoint = await openCheckpoint(source);
  validateCheckpoint(config, checkpoint);
  const tokenizer = await loadTokenizer(source);

  const maxModelLen = Math.min(options.maxModelLen ?? 4096, config.maxPositionEmbeddings);
  const maxBlocksPerSeq = Math.ceil(maxModelLen / blockSize);
  const numKvBlocks = planKvCache(config, device.limits, weightBytes(checkpoint), blockSize, options);
  const limits = stepLimits(options, maxBlocksPerSeq);

  let weights: ModelWeights | undefined;
  let kvCache: KvCache | undefined;
  let runner: ModelRunner | undefined;
  const release = () => {
    runner?.destroy();
    kvCache?.destroy();
    weights?.destroy();
  };
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let failure: unknown;
  try {
    weights = uploadWeights(device, config, checkpoint);
    kvCache = new KvCache(device, config, { numBlocks: numKvBlocks, blockSize });
    runner = new ModelRunner(device, config, weights, kvCache, limits, gpu.isSoftware);
  } catch (error) {
    failure = error;
  }
  const outOfMemory = await awaitGpu(device.popErrorScope());
  const invalid = await awaitGpu(device.popErrorScope());
  const gpuError = outOfMemory ?? invalid;
  if (failure !== undefined || gpuError !== null || runner === undefined || kvCache === undefined || weights === undefined) {
    release();
    if (failure !== undefined) throw failure;
    throw new LlmError('adapter_insufficient', `the GPU refused the model ${source.location}: ${gpuError?.message ?? 'unknown error'}`);
  }
  const loadedWeights = weights;
  const loadedCache = kvCache;
  const loadedRunner = runner;
  return {
    gpu,
    location: source.location,
    config,
    generationConfig,
    tokenizer,
    maxModelLen,
    kvCache: loadedCache,
    runner: loadedRunner,
    dispose() {
      loadedRunner.destroy();
      loadedCache.destroy();
      loadedWeights.destroy();
    },
  };
}

function stepLimits(options: LoadModelOptions, maxBlocksPerSeq: number): StepLimits {
  const positive = (value: number | undefined, fallback: number, field: string) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1) throw new LlmError('invalid_argument', `${field} must be a positive integer, got ${value}`, field);
    return value;
  };
  return {
    maxTokens: positive(options.maxNumBatchedTokens, 512, 'maxNumBatchedTokens'),
    maxSeqs: positive(options.maxNumSeqs, 16, 'maxNumSeqs'),
    maxBlocksPerSeq,
  };
}
