/**
 * The engine's per-request behaviour on a fixture model: aborts mid-run free their blocks and
 * change nobody else's tokens; seeded sampling is reproducible alone and in a batch; minTokens holds
 * off EOS and stop ids; bad requests get typed errors while the engine keeps serving the others;
 * the latency histograms count one first token per started request and one gap per later token.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, RequestResult } from '../../src/engine/engine-types.ts';
import { isLlmError } from '../../src/errors.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import { completions, randomPrompt, runTogether } from '../support/engine-runs.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';

const fixture = new URL('../fixtures/qwen3-f32/', import.meta.url).pathname;
const vocab = 656;
let loaded: LoadedModel | undefined;
afterAll(() => loaded?.dispose());

async function model(): Promise<LoadedModel> {
  loaded ??= await loadModel(await testGpu(), fixture, { maxNumSeqs: 16, maxModelLen: 256 });
  return loaded;
}

const request = (id: string, promptIds: number[], sampling: EngineRequest['sampling']): EngineRequest => ({ id, promptIds, sampling });

describe('engine requests on qwen3-f32', () => {
  it('random aborts during a 32-request run free every block and leave the other requests unchanged', async () => {
    const m = await model();
    const random = new Random(21);
    const requests = Array.from({ length: 32 }, (_, i) => request(`a${i}`, randomPrompt(random, random.int(2, 40), vocab), { maxTokens: random.int(8, 30), temperature: 0, ignoreEos: true }));
    const reference = await runTogether(m, requests);
    const engine = new Engine(m, {
      onStep: () => {
        // After each step, abort a random unfinished request now and then.
        const ids = engine.requestIds();
        if (ids.length > 0 && random.next() < 0.3) engine.abort(random.pick(ids));
      },
    });
    const results = await Promise.all(requests.map((r) => engine.submit(r)));
    const aborted = results.filter((result) => result.finishReason === 'abort');
    console.log(`[engine] aborted ${aborted.length} of 32`);
    expect(aborted.length).toBeGreaterThan(3);
    for (const result of results) {
      const full = reference.results.get(result.id)!.completionIds;
      if (result.finishReason === 'abort') expect(full.slice(0, result.completionIds.length)).toEqual(result.completionIds);
      else expect(result.completionIds).toEqual(full);
    }
    const stats = engine.stats();
    expect(stats.blocksFree).toBe(stats.blocksTotal);
    expect(stats.abortedRequests).toBe(aborted.length);
    // One first-token latency per request that got a token, one inter-token latency per later token.
    const started = results.filter((result) => result.completionIds.length > 0);
    const tokens = results.reduce((sum, result) => sum + result.completionIds.length, 0);
    expect(stats.timeToFirstTokenSeconds.count).toBe(started.length);
    expect(stats.interTokenLatencySeconds.count).toBe(tokens - started.length);
    expect(stats.timeToFirstTokenSeconds.counts.reduce((a, b) => a + b, 0)).toBe(started.length);
    expect(stats.interTokenLatencySeconds.sum).toBeGreaterThan(0);
    expect(engine.abort('a0')).toBe(false);
  });

  it('an abort before the first step returns the request at once, with no tokens', async () => {
    const m = await model();
    const engine = new Engine(m);
    const pending = engine.submit(request('early', [1, 2, 3], { maxTokens: 5, temperature: 0 }));
    engine.abort('early');
    const result = await pending;
    expect(result).toMatchObject({ finishReason: 'abort', completionIds: [] });
    expect(engine.stats().blocksFree).toBe(engine.stats().blocksTotal);
  });

  it('seeded sampling gives the same tokens alone and in any batch; other seeds give others', async () => {
    const m = await model();
    const random = new Random(22);
    const prompt = randomPrompt(random, 12, vocab);
    const sampling = { maxTokens: 24, temperature: 1.3, topP: 0.95, topK: 200, seed: 1234, ignoreEos: true };
    const alone = await runTogether(m, [request('seeded', prompt, sampling)]);
    const crowd = Array.from({ length: 9 }, (_, i) => request(`n${i}`, randomPrompt(random, random.int(2, 30), vocab), { maxTokens: 20, temperature: 1, seed: i }));
    const inBatch = await runTogether(m, [...crowd.slice(0, 5), request('seeded', prompt, sampling), ...crowd.slice(5)]);
    const again = await runTogether(m, [request('seeded', prompt, sampling)]);
    const seededIds = alone.results.get('seeded')!.completionIds;
    expect(inBatch.results.get('seeded')!.completionIds).toEqual(seededIds);
    expect(again.results.get('seeded')!.completionIds).toEqual(seededIds);
    const otherSeed = await runTogether(m, [request('seeded', prompt, { ...sampling, seed: 99 })]);
    expect(otherSeed.results.get('seeded')!.completionIds).not.toEqual(seededIds);
    // Sampling at temperature 1.3 is not greedy decoding.
    const greedyRun = await runTogether(m, [request('seeded', prompt, { maxTokens: 24, temperature: 0, ignoreEos: true })]);
    expect(greedyRun.results.get('seeded')!.completionIds).not.toEqual(seededIds);
  });

  it('returns logprobs when asked: the sampled token\'s, and the top ones in descending order', async () => {
    const m = await model();
    const run = await runTogether(m, [request('lp', [5, 6, 7, 8], { maxTokens: 6, temperature: 0, logprobs: 5, ignoreEos: true })]);
    const result = run.results.get('lp')!;
    expect(result.logprobs).toHaveLength(6);
    result.logprobs!.forEach((entry, i) => {
      expect(entry.tokenId).toBe(result.completionIds[i]);
      expect(entry.top).toHaveLength(5);
      // Greedy: the sampled token is the most likely one.
      expect(entry.top[0]!.tokenId).toBe(entry.tokenId);
      expect(entry.logprob).toBeCloseTo(entry.top[0]!.logprob, 6);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      for (let j = 1; j < 5; j++) expect(entry.top[j]!.logprob).toBeLessThanOrEqual(entry.top[j - 1]!.logprob);
    });
  });

  it('minTokens: no EOS or stop token id before that many tokens, even when biased to be the argmax', async () => {
    const m = await model();
    const stops = [7, ...m.generationConfig.eosTokenIds];
    const logitBias = Object.fromEntries(stops.map((id) => [id, 100]));
    const prompt = randomPrompt(new Random(29), 12, vocab);
    const engine = new Engine(m);
    // Without minTokens the biased stop ids end the output at once.
    const unbounded = await engine.submit(request('free', prompt, { maxTokens: 20, temperature: 0, logitBias, stopTokenIds: [7] }));
    expect(unbounded.completionIds).toHaveLength(1);
    expect(stops).toContain(unbounded.completionIds[0]);
    const runs = [{ temperature: 0 }, { temperature: 1, seed: 1 }, { temperature: 1, seed: 2 }];
    const results = await Promise.all(runs.map((sampling, i) =>
      engine.submit(request(`min${i}`, prompt, { maxTokens: 20, minTokens: 5, logitBias, stopTokenIds: [7], ...sampling }))));
    for (const result of results) {
      // Five tokens that are not stop ids, then the bias wins at once.
      expect(result.completionIds).toHaveLength(6);
      expect(result.completionIds.slice(0, 5).some((id) => stops.includes(id))).toBe(false);
      expect(stops).toContain(result.completionIds[5]);
      expect(result.finishReason).toBe('stop');
    }
    expect(engine.stats().blocksFree).toBe(engine.stats().blocksTotal);
  });

  it('refuses bad requests with typed errors and keeps serving the others', async () => {
    const m = await model();
    const engine = new Engine(m);
    const random = new Random(23);
    const good = Array.from({ length: 4 }, (_, i) => request(`g${i}`, randomPrompt(random, 10, vocab), { maxTokens: 10, temperature: 0, ignoreEos: true }));
    const pending: Promise<RequestResult>[] = good.map((r) => engine.submit(r));
    const refusals: [EngineRequest, string, string][] = [
      [request('long', randomPrompt(random, 250, vocab), { maxTokens: 10 }), 'context_length_exceeded', 'maxTokens'],
      [request('zero', [1, 2], { maxTokens: 0 }), 'invalid_argument', 'maxTokens'],
      [request('negative', [1, 2], { maxTokens: -3 }), 'invalid_argument', 'maxTokens'],
      [{ ...request('field', [1, 2], { maxTokens: 3 }), priority: 1 } as EngineRequest, 'invalid_argument', 'priority'],
      [request('samplingField', [1, 2], { maxTokens: 3, beamWidth: 2 } as EngineRequest['sampling']), 'invalid_argument', 'beamWidth'],
      [request('temperature', [1, 2], { maxTokens: 3, temperature: -1 }), 'invalid_argument', 'temperature'],
      [request('vocab', [1, 99_999], { maxTokens: 3 }), 'invalid_argument', 'promptIds'],
      [request('empty', [], { maxTokens: 3 }), 'invalid_argument', 'promptIds'],
      [request('g0', [1, 2], { maxTokens: 3 }), 'invalid_argument', 'id'],
    ];
    for (const [bad, code, subject] of refusals) {
      let thrown: unknown;
      try {
        await engine.submit(bad);
      } catch (error) {
        thrown = error;
      }
      expect(isLlmError(thrown, code as never), `${bad.id}: ${String(thrown)}`).toBe(true);
      expect((thrown as { subject?: string }).subject).toBe(subject);
    }
    const results = await Promise.all(pending);
    const alone = await runTogether(m, good);
    expect(completions(new Map(results.map((r) => [r.id, r])))).toEqual(completions(alone.results));
    expect(engine.stats().blocksFree).toBe(engine.stats().blocksTotal);
  });
});
