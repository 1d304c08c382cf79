/** A LoadedModel over random weights, what the engine-level benchmarks serve requests from. */
import type { GpuContext } from '../../src/gpu/device.ts';
import { kernelTarget } from '../../src/gpu/kernel-target.ts';
import type { ModelConfig } from '../../src/model/config.ts';
import type { GenerationConfig } from '../../src/model/generation-config.ts';
import { KvCache } from '../../src/model/kv-cache.ts';
import type { LoadedModel } from '../../src/model/load-model.ts';
import { ModelRunner } from '../../src/model/model-runner.ts';
import { createRandomWeights } from './random-model.ts';

export const benchBlockSize = 16;

export interface RandomModelOptions {
  /** Streams served at once. */
  readonly maxSeqs: number;
  /** Longest prompt + output of one stream. */
  readonly maxModelLen: number;
  /** Defaults that requests leaving sampling fields out get; EOS ids only by default. */
  readonly generationConfig?: GenerationConfig;
  readonly location?: string;
}

export function randomLoadedModel(gpu: GpuContext, config: ModelConfig, options: RandomModelOptions): LoadedModel {
  const { maxSeqs, maxModelLen } = options;
  const weights = createRandomWeights(gpu.device, config);
  const maxBlocksPerSeq = Math.ceil(maxModelLen / benchBlockSize);
  const kvCache = new KvCache(gpu.device, config, { numBlocks: maxSeqs * maxBlocksPerSeq + 2, blockSize: benchBlockSize });
  const runner = new ModelRunner(gpu.device, config, weights, kvCache, { maxTokens: 512, maxSeqs, maxBlocksPerSeq }, kernelTarget(gpu));
  return {
    gpu,
    location: options.location ?? 'random weights',
    config,
    generationConfig: options.generationConfig ?? { eosTokenIds: [...config.eosTokenIds] },
    tokenizer: undefined,
    maxModelLen,
    kvCache,
    runner,
    dispose() {
      runner.destroy();
      kvCache.destroy();
      weights.destroy();
    },
  };
}

/** A deterministic prompt of `length` ids below 150,000 (inside every Qwen vocabulary). */
export const benchPrompt = (seed: number, length: number): number[] => Array.from({ length }, (_, i) => (seed * 7919 + i * 104729) % 150000);
