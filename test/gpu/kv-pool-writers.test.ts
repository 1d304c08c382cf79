/**
 * One writer of a model's KV pool at a time. generate() and Engines all go through the engine's
 * block bookkeeping: a generate() call during an Engine's run joins that Engine's batch, and two
 * Engines on one model take turns at the pool. Each gives the tokens it gives alone; and an Engine
 * whose cached blocks another Engine overwrote recomputes them instead of reusing them. (Before,
 * generate() wrote blocks 0, 1, 2, … directly and every Engine kept a BlockManager of its own, so
 * concurrent runs wrote each other's blocks and a prefix cache could serve another run's K and V.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, RequestResult } from '../../src/engine/engine-types.ts';
import { generate, type GenerateOptions } from '../../src/engine/generate.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import { completions, randomPrompt, runTogether } from '../support/engine-runs.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';

const fixture = new URL('../fixtures/qwen3-f32/', import.meta.url).pathname;
const vocab = 656;
const models: LoadedModel[] = [];
afterAll(() => models.forEach((model) => model.dispose()));

async function model(): Promise<LoadedModel> {
  const loaded = await loadModel(await testGpu(), fixture, { maxNumSeqs: 8, maxModelLen: 256 });
  models.push(loaded);
  return loaded;
}

const greedy = (id: string, promptIds: number[], maxTokens: number): EngineRequest => ({ id, promptIds, sampling: { maxTokens, temperature: 0, ignoreEos: true } });
const byId = (results: readonly RequestResult[]) => completions(new Map(results.map((result) => [result.id, result])));

describe('one writer of the KV pool', () => {
  it('generate() during an Engine\'s run joins its batch: both give their solo tokens and first logits', async () => {
    const m = await model();
    const random = new Random(41);
    const requests = Array.from({ length: 4 }, (_, i) => greedy(`e${i}`, randomPrompt(random, random.int(30, 60), vocab), 24));
    const options: GenerateOptions = { promptIds: randomPrompt(random, 50, vocab), maxTokens: 24, ignoreEos: true, returnFirstLogits: true };
    const soloGenerate = await generate(m, options);
    const soloEngine = await runTogether(m, requests);

    const steps: number[] = [];
    const engine = new Engine(m, { onStep: (stats) => steps.push(stats.scheduledSeqs) });
    const served = Promise.all(requests.map((request) => engine.submit(request)));
    const generated = await generate(m, options);
    expect(byId(await served)).toEqual(completions(soloEngine.results));
    expect(generated.completionIds).toEqual(soloGenerate.completionIds);
    expect(generated.finishReason).toBe('length');
    expect(generated.firstLogits).toEqual(soloGenerate.firstLogits);
    // It ran as the engine's fifth request, in the same steps as the other four.
    expect(engine.stats().finishedRequests).toBe(requests.length + 1);
    expect(Math.max(...steps)).toBe(requests.length + 1);
    expect(engine.stats().blocksFree).toBe(engine.stats().blocksTotal);
  });

  it('two Engines on one model take turns: solo tokens for both, and no prefix cache outlives the other\'s writes', async () => {
    const m = await model();
    const random = new Random(42);
    const shared = randomPrompt(random, 40, vocab);
    const first = Array.from({ length: 3 }, (_, i) => greedy(`a${i}`, i === 0 ? shared : randomPrompt(random, random.int(20, 50), vocab), 20));
    const second = Array.from({ length: 3 }, (_, i) => greedy(`b${i}`, randomPrompt(random, random.int(20, 50), vocab), 20));
    const soloFirst = await runTogether(m, first);
    const soloSecond = await runTogether(m, second);

    const order: string[] = [];
    const a = new Engine(m, { onStep: () => order.push('a') });
    const b = new Engine(m, { onStep: () => order.push('b') });
    // a caches the shared prompt's two full blocks.
    const warm = await a.submit({ ...first[0]!, id: 'warm' });
    expect(warm.completionIds).toEqual(soloFirst.results.get('a0')!.completionIds);
    order.length = 0;
    const [fromA, fromB] = await Promise.all([Promise.all(first.slice(1).map((r) => a.submit(r))), Promise.all(second.map((r) => b.submit(r)))]);
    expect(byId(fromA)).toEqual(completions(new Map([...soloFirst.results].filter(([id]) => id !== 'a0'))));
    expect(byId(fromB)).toEqual(completions(soloSecond.results));
    // One engine's steps, then the other's: never interleaved.
    expect(order.join('').replace(/(.)\1*/g, '$1')).toMatch(/^(ab|ba)$/);
    // b wrote blocks a had cached: a recomputes the shared prompt rather than reading b's K and V.
    const again = await a.submit({ ...first[0]!, id: 'again' });
    expect(again.numCachedTokens).toBe(0);
    expect(again.completionIds).toEqual(warm.completionIds);
    // With nobody else in between, a's prefix cache serves it again.
    const third = await a.submit({ ...first[0]!, id: 'third' });
    expect(third.numCachedTokens).toBe(32);
    expect(third.completionIds).toEqual(warm.completionIds);
  });
});
