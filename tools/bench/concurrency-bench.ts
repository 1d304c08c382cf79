/**
 * `npm run bench -- --concurrency 1,4,8,16`: the engine serving N streams at once on a random
 * model (Qwen2.5-0.5B shapes unless told otherwise) — aggregate and per-stream decode tokens/s,
 * time to first token — and the time to first token of a request behind a shared prefix, with and
 * without a hit in the prefix cache. Prints a table and returns the numbers.
 */
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest } from '../../src/engine/engine-types.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import type { ModelConfig } from '../../src/model/config.ts';
import { benchBlockSize, benchPrompt, randomLoadedModel } from './random-loaded-model.ts';
import { qwen25_05b } from './random-model.ts';

export interface ConcurrencyOptions {
  readonly levels: readonly number[];
  readonly decodeTokens: number;
  readonly promptTokens: number;
  readonly prefixTokens: number;
  readonly config?: ModelConfig;
  /** Where the table goes (stderr when stdout carries JSON). */
  readonly log?: (line: string) => void;
}

export interface ConcurrencyLevel {
  readonly streams: number;
  readonly aggregate_tok_s: number;
  readonly per_stream_tok_s: number;
  readonly mean_ttft_ms: number;
  readonly decode_steps: number;
}

export interface ConcurrencyResult {
  readonly prompt_tokens: number;
  readonly decode_tokens: number;
  readonly levels: readonly ConcurrencyLevel[];
  readonly prefix_tokens: number;
  readonly prefix_ttft_cold_ms: number;
  readonly prefix_ttft_hit_ms: number;
}

/** Runs requests together; returns each one's time to first token in ms. */
async function serve(engine: Engine, requests: readonly EngineRequest[]): Promise<{ ttft: number[] }> {
  const start = performance.now();
  const ttft = new Map<string, number>();
  await Promise.all(requests.map((request) => engine.submit(request, (output) => {
    if (!ttft.has(output.requestId)) ttft.set(output.requestId, performance.now() - start);
  })));
  return { ttft: [...ttft.values()] };
}

export async function benchConcurrency(gpu: GpuContext, options: ConcurrencyOptions): Promise<ConcurrencyResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const maxSeqs = Math.max(...options.levels);
  const maxModelLen = Math.max(options.promptTokens + options.decodeTokens + 1, options.prefixTokens + options.promptTokens + 2) + benchBlockSize;
  const model = randomLoadedModel(gpu, options.config ?? qwen25_05b, { maxSeqs, maxModelLen, location: 'random weights (concurrency)' });
  const levels: ConcurrencyLevel[] = [];
  try {
    log(`\nconcurrency (engine, greedy, ${options.promptTokens}-token prompts, ${options.decodeTokens} decode tokens per stream)`);
    log('streams   aggregate tok/s   per-stream tok/s   mean TTFT ms   steps');
    for (const level of options.levels) {
      const engine = new Engine(model, { enablePrefixCaching: false });
      const requests = Array.from({ length: level }, (_, i): EngineRequest => ({
        id: `s${i}`, promptIds: benchPrompt(level * 100 + i, options.promptTokens), sampling: { maxTokens: options.decodeTokens + 1, temperature: 0, ignoreEos: true },
      }));
      const { ttft } = await serve(engine, requests);
      // The engine's own decode-only counters: pipelined steps overlap, so summing their
      // durations would undercount throughput; decodeMs counts each step's real period.
      const { decodeTokens, decodeMs, decodeSteps } = engine.stats();
      const aggregate = decodeTokens / (decodeMs / 1000);
      const meanTtft = ttft.reduce((a, b) => a + b, 0) / ttft.length;
      levels.push({ streams: level, aggregate_tok_s: aggregate, per_stream_tok_s: aggregate / level, mean_ttft_ms: meanTtft, decode_steps: decodeSteps });
      log(`${String(level).padStart(7)} ${aggregate.toFixed(2).padStart(17)} ${(aggregate / level).toFixed(2).padStart(18)} ${meanTtft.toFixed(0).padStart(14)} ${String(decodeSteps).padStart(7)}`);
    }
    const one = levels.find((level) => level.streams === 1)?.aggregate_tok_s;
    const eight = levels.find((level) => level.streams === 8)?.aggregate_tok_s;
    if (one !== undefined && eight !== undefined) log(`8-stream aggregate / 1-stream: ${(eight / one).toFixed(2)}× (target ≥ 5× on a GPU adapter)`);

    const engine = new Engine(model, { enablePrefixCaching: true });
    const shared = benchPrompt(1, options.prefixTokens);
    const behindPrefix = (id: string, seed: number): EngineRequest => ({
      id, promptIds: [...shared, ...benchPrompt(seed, options.promptTokens)], sampling: { maxTokens: 1, temperature: 0, ignoreEos: true },
    });
    const cold = (await serve(engine, [behindPrefix('cold', 2)])).ttft[0]!;
    const warm = (await serve(engine, [behindPrefix('warm', 3)])).ttft[0]!;
    log(`prefix cache, ${options.prefixTokens}-token shared prefix: TTFT ${cold.toFixed(0)} ms cold, ${warm.toFixed(0)} ms on a hit ` +
      `(${(cold / warm).toFixed(1)}× faster; target ≥ 5× on a GPU adapter; ${engine.stats().prefixCacheHitTokens} tokens hit)`);
    return {
      prompt_tokens: options.promptTokens,
      decode_tokens: options.decodeTokens,
      levels,
      prefix_tokens: options.prefixTokens,
      prefix_ttft_cold_ms: cold,
      prefix_ttft_hit_ms: warm,
    };
  } finally {
    model.dispose();
  }
}
