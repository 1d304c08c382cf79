/**
 * The engine on a fixture model in Node: continuous batching gives every request the tokens it
 * gets alone, with far fewer steps; prefix caching, preemption, chunked prefill and aborts change
 * nothing in the outputs and leak no KV block.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineRequest } from '../../src/engine/engine-types.ts';
import { loadModel, type LoadedModel, type LoadModelOptions } from '../../src/model/load-model.ts';
import { completions, randomPrompt, runAlone, runTogether } from '../support/engine-runs.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';

const fixture = new URL('../fixtures/qwen2-bf16/', import.meta.url).pathname;
const vocab = 656; // ordinary tokens of the fixture tokenizer
const models: LoadedModel[] = [];
afterAll(() => models.forEach((model) => model.dispose()));

async function model(options: LoadModelOptions = {}): Promise<LoadedModel> {
  const loaded = await loadModel(await testGpu(), fixture, options);
  models.push(loaded);
  return loaded;
}

const greedy = (id: string, promptIds: number[], maxTokens: number): EngineRequest => ({
  id, promptIds, sampling: { maxTokens, temperature: 0, ignoreEos: true },
});

describe('continuous batching on qwen2-bf16', () => {
  it('16 concurrent greedy requests of different lengths each equal the request run alone, in far fewer steps', async () => {
    const m = await model({ maxNumSeqs: 16 });
    const random = new Random(11);
    const requests = Array.from({ length: 16 }, (_, i) => greedy(`r${i}`, randomPrompt(random, random.int(3, 90), vocab), random.int(4, 24)));
    const together = await runTogether(m, requests);
    const alone = await runAlone(m, requests);
    expect(completions(together.results)).toEqual(completions(alone.results));
    for (const request of requests) expect(together.results.get(request.id)!.completionIds).toHaveLength(request.sampling.maxTokens);
    expect(together.stats.maxRunning).toBeGreaterThanOrEqual(8);
    console.log(`[engine] 16 requests: ${together.stats.steps} steps together, ${alone.steps} alone`);
    expect(together.stats.steps).toBeLessThan(alone.steps / 4);
    expect(together.stats.blocksFree).toBe(together.stats.blocksTotal);
  });

  it('8 requests sharing a 200-token prefix hit the prefix cache for 7 × 192 tokens, with identical outputs', async () => {
    const m = await model();
    const random = new Random(12);
    const shared = randomPrompt(random, 200, vocab);
    const requests = Array.from({ length: 8 }, (_, i) => greedy(`p${i}`, [...shared, ...randomPrompt(random, random.int(1, 12), vocab)], 12));
    const cached = await runTogether(m, requests);
    const uncached = await runTogether(m, requests, { enablePrefixCaching: false });
    console.log(`[engine] prefix-cache hit tokens: ${cached.stats.prefixCacheHitTokens}`);
    expect(cached.stats.prefixCacheHitTokens).toBeGreaterThanOrEqual(7 * 192);
    expect(uncached.stats.prefixCacheHitTokens).toBe(0);
    expect(completions(cached.results)).toEqual(completions(uncached.results));
    expect([...cached.results.values()].filter((result) => result.numCachedTokens >= 192)).toHaveLength(7);
  });

  it('a KV pool too small for all requests preempts, completes every request, and changes no output', async () => {
    const random = new Random(13);
    const requests = Array.from({ length: 10 }, (_, i) => greedy(`k${i}`, randomPrompt(random, random.int(20, 60), vocab), 40));
    const roomy = await runTogether(await model(), requests);
    const tight = await runTogether(await model({ numKvBlocks: 16 }), requests);
    console.log(`[engine] 16-block pool: ${tight.stats.preemptions} preemptions in ${tight.stats.steps} steps`);
    expect(tight.stats.preemptions).toBeGreaterThan(0);
    expect(completions(tight.results)).toEqual(completions(roomy.results));
    expect(tight.stats.blocksFree).toBe(16);
  });

  it('a 1,000-token prompt prefilled 64 tokens a step never stalls 4 decoding requests', async () => {
    const m = await model({ maxNumBatchedTokens: 64 });
    const random = new Random(14);
    const decoders = Array.from({ length: 4 }, (_, i) => greedy(`d${i}`, randomPrompt(random, 8, vocab), 40));
    const long = greedy('long', randomPrompt(random, 1000, vocab), 4);
    const run = await runTogether(m, [...decoders, long]);
    // After their own prefill step, each decoder gets a token in every step until it finishes.
    const prefillSteps = run.steps.filter((step) => step.batchedTokens > 5).length;
    expect(prefillSteps).toBeGreaterThanOrEqual(Math.ceil(1000 / 60));
    for (const { id } of decoders) {
      const got = run.tokensPerStep.map((ids) => ids.includes(id));
      const first = got.indexOf(true);
      const last = got.lastIndexOf(true);
      expect(got.slice(first, last + 1).every(Boolean), `${id} stalled`).toBe(true);
      expect(last - first + 1).toBe(40);
    }
    const alone = await runAlone(m, [...decoders, long]);
    expect(completions(run.results)).toEqual(completions(alone.results));
  });
});
