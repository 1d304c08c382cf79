/**
 * What the engine reports while it runs, on a fixture model: decode throughput counts decode-only
 * steps over their real (pipelined) period, so decodeTokens / decodeMs matches what a listener
 * measures from token arrivals; the largest batch is never below the running count; a request that
 * asks hears its chunked prompt's prefill progress before its first token, and nobody else does.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, RequestOutput, StepStats } from '../../src/engine/engine-types.ts';
import { loadModel, type LoadedModel, type LoadModelOptions } from '../../src/model/load-model.ts';
import { randomPrompt } from '../support/engine-runs.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';

const fixture = new URL('../fixtures/qwen3-f32/', import.meta.url).pathname;
const vocab = 656;
const models: LoadedModel[] = [];
afterAll(() => models.forEach((model) => model.dispose()));

async function model(options: LoadModelOptions = {}): Promise<LoadedModel> {
  const loaded = await loadModel(await testGpu(), fixture, { maxNumSeqs: 8, maxModelLen: 256, ...options });
  models.push(loaded);
  return loaded;
}

const greedy = (id: string, promptIds: number[], maxTokens: number, extra: Partial<EngineRequest> = {}): EngineRequest =>
  ({ id, promptIds, sampling: { maxTokens, temperature: 0, ignoreEos: true }, ...extra });

describe('engine statistics', () => {
  it('decode throughput over a pipelined decode run is what token arrivals show, not summed step durations', async () => {
    const m = await model();
    const random = new Random(41);
    const maxTokens = 24;
    const requests = Array.from({ length: 4 }, (_, i) => greedy(`d${i}`, randomPrompt(random, 12, vocab), maxTokens));
    const decodeDurations: number[] = [];
    const engine = new Engine(m, { onStep: (stats: StepStats) => decodeDurations.push(stats.durationMs) });
    const arrivals: number[][] = requests.map(() => []);
    // Snapshots taken while the run goes on (a throwing listener would only be logged).
    const snapshots: { running: number; maxRunning: number }[] = [];
    const started = performance.now();
    await Promise.all(requests.map((request, i) => engine.submit(request, (output: RequestOutput) => {
      arrivals[i]!.push(performance.now());
      const { running, maxRunning } = engine.stats();
      snapshots.push({ running, maxRunning });
    })));
    const ended = performance.now();
    const stats = engine.stats();
    // The first snapshots come before any step was recorded: running is 4 already.
    expect(snapshots[0]!.running).toBe(4);
    for (const { running, maxRunning } of snapshots) expect(maxRunning).toBeGreaterThanOrEqual(running);
    // One step prefills all four prompts and samples their first tokens; every later step only decodes.
    expect(stats.steps).toBe(maxTokens);
    expect(stats).toMatchObject({ decodeSteps: maxTokens - 1, decodeTokens: 4 * (maxTokens - 1), generatedTokens: 4 * maxTokens, discardedTokens: 0 });
    const firstTokens = arrivals.map((times) => times[0]!);
    const lastToken = Math.max(...arrivals.map((times) => times.at(-1)!));
    // Decode time lies between the span of decode-token arrivals and the whole run after the first token.
    const arrivalSpan = lastToken - Math.max(...firstTokens);
    console.log(`[engine] decode: ${stats.decodeTokens} tokens in ${stats.decodeMs.toFixed(1)} ms; arrivals span ${arrivalSpan.toFixed(1)} ms, run ${(ended - started).toFixed(1)} ms`);
    expect(stats.decodeMs).toBeLessThanOrEqual(ended - Math.min(...firstTokens));
    // So decodeTokens / decodeMs is at most the arrival rate (1 ms for the few lines run after the last notification).
    expect(stats.decodeMs).toBeGreaterThanOrEqual(arrivalSpan - 1);
    // Pipelined steps overlap: their durations add up to more than the time they took.
    const summed = decodeDurations.slice(1).reduce((sum, ms) => sum + ms, 0);
    expect(stats.decodeMs).toBeLessThan(summed);
  });
});

describe('prefill progress', () => {
  it('a chunked prompt reports each chunk before its first token; a request that did not ask hears none', async () => {
    const m = await model({ maxNumBatchedTokens: 32 });
    const random = new Random(42);
    const long = greedy('long', randomPrompt(random, 100, vocab), 4, { reportPrefill: true });
    const other = greedy('other', randomPrompt(random, 90, vocab), 4);
    const short = greedy('short', randomPrompt(random, 10, vocab), 4, { reportPrefill: true });
    const run = async (requests: EngineRequest[]) => {
      const engine = new Engine(m);
      const heard = new Map<string, RequestOutput[]>(requests.map((request) => [request.id, []]));
      const results = await Promise.all(requests.map((request) => engine.submit(request, (output) => heard.get(request.id)!.push(output))));
      return { heard, tokens: results.map((result) => [...result.completionIds]) };
    };
    const { heard, tokens } = await run([long, other, short]);
    const progress = (id: string) => heard.get(id)!.filter((output) => output.prefilledTokens !== undefined);
    const counts = progress('long').map((output) => output.prefilledTokens!);
    expect(counts.length).toBeGreaterThanOrEqual(4); // 100 tokens, at most 32 a step
    expect(counts.at(-1)).toBe(100);
    counts.slice(1).forEach((count, i) => expect(count).toBeGreaterThan(counts[i]!));
    const firstToken = heard.get('long')!.findIndex((output) => output.tokenIds.length > 0);
    expect(firstToken).toBe(counts.length);
    for (const output of progress('long')) expect(output).toMatchObject({ tokenIds: [], numPromptTokens: 100 });
    expect(progress('other')).toEqual([]);
    // A prompt computed in one step: one report, at its length, just before its first token.
    expect(progress('short').map((output) => output.prefilledTokens)).toEqual([10]);
    expect(heard.get('short')![1]!.tokenIds).toHaveLength(1);
    // Asking changes no token.
    const plain = await run([{ ...long, reportPrefill: false }, other, { ...short, reportPrefill: false }]);
    expect(tokens).toEqual(plain.tokens);
    // A flag that is not a boolean is refused, naming it.
    const bad = { ...short, id: 'bad', reportPrefill: 'yes' } as unknown as EngineRequest;
    expect(() => new Engine(m).addRequest(bad)).toThrow(expect.objectContaining({ code: 'invalid_argument', subject: 'reportPrefill' }));
  });
});
