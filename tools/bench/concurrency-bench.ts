/**
 * `npm run bench -- --concurrency 1,4,8,16`: the engine serving N streams at once on the random
 * Qwen2.5-0.5B-shaped model — aggregate and per-stream decode tokens/s, time to first token —
 * and the time to first token of a request behind a shared prefix, with and without a hit in the
 * prefix cache.
 */
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, StepStats } from '../../src/engine/engine-types.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { KvCache } from '../../src/model/kv-cache.ts';
import type { LoadedModel } from '../../src/model/load-model.ts';
import { ModelRunner } from '../../src/model/model-runner.ts';
import { createRandomWeights, qwen25_05b } from './random-model.ts';
import { kernelTarget } from '../../src/gpu/kernel-target.ts';

export interface ConcurrencyOptions {
  readonly levels: readonly number[];
  readonly decodeTokens: number;
  readonly promptTokens: number;
  readonly prefixTokens: number;
}

const blockSize = 16;

/** A LoadedModel over random weights, sized for `maxSeqs` streams of `maxModelLen` tokens. */
function randomModel(gpu: GpuContext, maxSeqs: number, maxModelLen: number): LoadedModel {
  const config = qwen25_05b;
  const weights = createRandomWeights(gpu.device, config);
  const maxBlocksPerSeq = Math.ceil(maxModelLen / blockSize);
  const kvCache = new KvCache(gpu.device, config, { numBlocks: maxSeqs * maxBlocksPerSeq + 2, blockSize });
  const runner = new ModelRunner(gpu.device, config, weights, kvCache, { maxTokens: 512, maxSeqs, maxBlocksPerSeq }, kernelTarget(gpu));
  return {
    gpu, location: 'random Qwen2.5-0.5B shapes', config, generationConfig: { eosTokenIds: [...config.eosTokenIds] }, tokenizer: undefined,
    maxModelLen, kvCache, runner,
    dispose() {
      runner.destroy();
      kvCache.destroy();
      weights.destroy();
    },
  };
}

const prompt = (seed: number, length: number) => Array.from({ length }, (_, i) => (seed * 7919 + i * 104729) % 150000);

/** Runs requests together; returns each one's time to first token in ms. */
async function serve(engine: Engine, requests: readonly EngineRequest[]): Promise<{ ttft: number[] }> {
  const start = performance.now();
  const ttft = new Map<string, number>();
  await Promise.all(requests.map((request) => engine.submit(request, (output) => {
    if (!ttft.has(output.requestId)) ttft.set(output.requestId, performance.now() - start);
  })));
  return { ttft: [...ttft.values()] };
}

export async function benchConcurrency(gpu: GpuContext, options: ConcurrencyOptions): Promise<void> {
  const maxSeqs = Math.max(...options.levels);
  const model = randomModel(gpu, maxSeqs, Math.max(options.promptTokens + options.decodeTokens + 1, options.prefixTokens + options.promptTokens + 2) + blockSize);
  const steps: StepStats[] = [];
  try {
    console.log(`\nconcurrency (engine, greedy, ${options.promptTokens}-token prompts, ${options.decodeTokens} decode tokens per stream)`);
    console.log('streams   aggregate tok/s   per-stream tok/s   mean TTFT ms   steps');
    const rates = new Map<number, number>();
    for (const level of options.levels) {
      steps.length = 0;
      const engine = new Engine(model, { enablePrefixCaching: false, onStep: (stats) => steps.push(stats) });
      const requests = Array.from({ length: level }, (_, i): EngineRequest => ({
        id: `s${i}`, promptIds: prompt(level * 100 + i, options.promptTokens), sampling: { maxTokens: options.decodeTokens + 1, temperature: 0, ignoreEos: true },
      }));
      const { ttft } = await serve(engine, requests);
      // Pure decode steps: every running stream contributes exactly one token.
      const decode = steps.filter((step) => step.sampledSeqs === level && step.batchedTokens === level);
      const tokens = decode.reduce((sum, step) => sum + step.sampledSeqs, 0);
      const seconds = decode.reduce((sum, step) => sum + step.durationMs, 0) / 1000;
      const aggregate = tokens / seconds;
      rates.set(level, aggregate);
      const meanTtft = ttft.reduce((a, b) => a + b, 0) / ttft.length;
      console.log(`${String(level).padStart(7)} ${aggregate.toFixed(2).padStart(17)} ${(aggregate / level).toFixed(2).padStart(18)} ${meanTtft.toFixed(0).padStart(14)} ${String(decode.length).padStart(7)}`);
    }
    const one = rates.get(1);
    const eight = rates.get(8);
    if (one !== undefined && eight !== undefined) console.log(`8-stream aggregate / 1-stream: ${(eight / one).toFixed(2)}× (target ≥ 5× on a GPU adapter)`);

    const engine = new Engine(model, { enablePrefixCaching: true });
    const shared = prompt(1, options.prefixTokens);
    const behindPrefix = (id: string, seed: number): EngineRequest => ({
      id, promptIds: [...shared, ...prompt(seed, options.promptTokens)], sampling: { maxTokens: 1, temperature: 0, ignoreEos: true },
    });
    const cold = (await serve(engine, [behindPrefix('cold', 2)])).ttft[0]!;
    const warm = (await serve(engine, [behindPrefix('warm', 3)])).ttft[0]!;
    console.log(`prefix cache, ${options.prefixTokens}-token shared prefix: TTFT ${cold.toFixed(0)} ms cold, ${warm.toFixed(0)} ms on a hit ` +
      `(${(cold / warm).toFixed(1)}× faster; target ≥ 5× on a GPU adapter; ${engine.stats().prefixCacheHitTokens} tokens hit)`);
  } finally {
    model.dispose();
  }
}
