/**
 * Pipelined decoding (step n + 1 submitted before step n is read back) changes no output: the same
 * requests give the same tokens, finish reasons and logprobs with `pipeline` on and off — greedy and
 * seeded, with penalties, bias, stop tokens that end requests early (their extra token is
 * discarded), grammar-constrained requests, a pool small enough to preempt, a shared prefix served
 * by the prefix cache, and aborts. Every run returns all its KV blocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelConstraintCompiler } from '../../src/constraint/model-constraints.ts';
import type { ConstraintCompiler } from '../../src/constraint/token-constraint.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, EngineStats, RequestResult } from '../../src/engine/engine-types.ts';
import type { SamplingParams } from '../../src/engine/sampling-params.ts';
import { loadModel, type LoadedModel, type LoadModelOptions } from '../../src/model/load-model.ts';
import { weatherTool } from '../support/constraint-cases.ts';
import { randomPrompt } from '../support/engine-runs.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';

const fixture = new URL('../fixtures/qwen2-bf16/', import.meta.url).pathname;
const vocab = 656; // ordinary tokens of the fixture tokenizer
const models: LoadedModel[] = [];
let compiler: ConstraintCompiler;

async function model(options: LoadModelOptions = {}): Promise<LoadedModel> {
  const loaded = await loadModel(await testGpu(), fixture, { maxNumSeqs: 16, maxModelLen: 512, ...options });
  models.push(loaded);
  return loaded;
}

let roomy: LoadedModel;
beforeAll(async () => {
  roomy = await model();
  compiler = createModelConstraintCompiler(roomy);
});
afterAll(() => {
  compiler?.dispose();
  models.forEach((loaded) => loaded.dispose());
});

interface Run {
  readonly results: Map<string, RequestResult>;
  readonly stats: EngineStats;
}

/** Runs every request at once; `abortAfter` aborts a request once it has that many tokens. */
async function run(m: LoadedModel, requests: readonly EngineRequest[], pipeline: boolean, abortAfter = new Map<string, number>()): Promise<Run> {
  const engine = new Engine(m, { pipeline, compileConstraint: (spec) => compiler.compile(spec) });
  const got = new Map<string, number>();
  const results = await Promise.all(requests.map((request) => engine.submit(request, (output) => {
    const count = (got.get(output.requestId) ?? 0) + output.tokenIds.length;
    got.set(output.requestId, count);
    if (count === abortAfter.get(output.requestId)) engine.abort(output.requestId);
  })));
  return { results: new Map(results.map((result) => [result.id, result])), stats: engine.stats() };
}

/** What a caller sees of each request: tokens, finish reason, logprobs. */
function seen(results: Map<string, RequestResult>) {
  return Object.fromEntries([...results].map(([id, r]) => [id, { ids: [...r.completionIds], finish: r.finishReason, logprobs: r.logprobs }]));
}

function expectSame(pipelined: Run, serial: Run): void {
  expect(seen(pipelined.results)).toEqual(seen(serial.results));
  expect(pipelined.stats.generatedTokens).toBe(serial.stats.generatedTokens);
  expect(serial.stats.discardedTokens).toBe(0);
  for (const { stats } of [pipelined, serial]) expect(stats.blocksFree).toBe(stats.blocksTotal);
}

/** A mix of sampling settings, several of which end early on a stop token. */
function mixedRequests(random: Random, count: number, prefix: number[] = []): EngineRequest[] {
  // Nearly half the vocabulary: such requests end on a sampled stop token within a few tokens.
  const stopIds = Array.from({ length: 300 }, () => random.int(0, vocab - 1));
  const settings: Partial<SamplingParams>[] = [
    { temperature: 0 },
    { temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05 },
    { temperature: 1, minP: 0.05, presencePenalty: 0.5, frequencyPenalty: 0.3 },
    { temperature: 0.9, logprobs: 3 },
    { temperature: 0, logitBias: { 5: 4, 9: -100 }, repetitionPenalty: 1.3 },
    { temperature: 1, stopTokenIds: stopIds },
    { temperature: 0, stopTokenIds: stopIds, minTokens: 3 },
  ];
  return Array.from({ length: count }, (_, i) => ({
    id: `q${i}`,
    promptIds: [...prefix, ...randomPrompt(random, random.int(3, 40), vocab)],
    sampling: { maxTokens: random.int(4, 28), seed: 100 + i, ignoreEos: true, ...settings[i % settings.length] },
  }));
}

describe('pipelined decoding gives the outputs of the unpipelined engine', () => {
  it('mixed sampling, penalties, stop tokens and constrained requests: the same tokens; extra tokens discarded', async () => {
    const random = new Random(31);
    const json: EngineRequest = { id: 'json', promptIds: randomPrompt(random, 12, vocab), sampling: { maxTokens: 24, temperature: 1, seed: 7 }, constraint: { kind: 'json_object' } };
    const tool: EngineRequest = {
      id: 'tool', promptIds: randomPrompt(random, 9, vocab), sampling: { maxTokens: 24, temperature: 0, frequencyPenalty: 1 },
      constraint: { kind: 'tool_calls', format: 'hermes', tools: [weatherTool], parallel: false },
    };
    const requests = [...mixedRequests(random, 14), json, tool];
    const pipelined = await run(roomy, requests, true);
    const serial = await run(roomy, requests, false);
    expectSame(pipelined, serial);
    const stopped = [...serial.results.values()].filter((r) => r.finishReason === 'stop' && r.completionIds.length < 24);
    console.log(`[pipeline] ${stopped.length} requests stopped early; ${pipelined.stats.discardedTokens} extra tokens discarded`);
    // A request that ends on a sampled stop token had its next token launched already.
    expect(stopped.length).toBeGreaterThan(1);
    expect(pipelined.stats.discardedTokens).toBeGreaterThan(0);
  });

  it('requests whose sampling needs no CPU between tokens, sampled in the same turn as their forward pass: the same tokens', async () => {
    const random = new Random(34);
    const cpuFree = { repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0 };
    const requests = mixedRequests(random, 12).map((r) => ({ ...r, sampling: { ...r.sampling, ...cpuFree } }));
    const pipelined = await run(roomy, requests, true);
    const serial = await run(roomy, requests, false);
    expectSame(pipelined, serial);
    expect(pipelined.stats.discardedTokens).toBeGreaterThan(0);
  });

  it('a pool small enough to preempt, and a shared prefix served by the prefix cache', async () => {
    const random = new Random(32);
    const shared = randomPrompt(random, 64, vocab);
    const requests = mixedRequests(random, 12, shared);
    const tight = await model({ numKvBlocks: 14 });
    const pipelined = await run(tight, requests, true);
    const serial = await run(tight, requests, false);
    console.log(`[pipeline] preemptions ${pipelined.stats.preemptions} / ${serial.stats.preemptions}, prefix hits ${pipelined.stats.prefixCacheHitTokens} / ${serial.stats.prefixCacheHitTokens}`);
    expect(pipelined.stats.preemptions).toBeGreaterThan(0);
    expect(pipelined.stats.prefixCacheHitTokens).toBeGreaterThan(0);
    expectSame(pipelined, serial);
    expect(seen((await run(roomy, requests, true)).results)).toEqual(seen(serial.results));
  });

  it('aborts after a given number of tokens cut the same outputs and free every block', async () => {
    const random = new Random(33);
    const requests = mixedRequests(random, 10);
    const abortAfter = new Map(requests.filter((_, i) => i % 3 === 0).map((r, i) => [r.id, 1 + i]));
    const pipelined = await run(roomy, requests, true, abortAfter);
    const serial = await run(roomy, requests, false, abortAfter);
    expectSame(pipelined, serial);
    const aborted = [...pipelined.results.values()].filter((r) => r.finishReason === 'abort');
    expect(aborted.length).toBeGreaterThan(0);
    for (const r of aborted) expect(r.completionIds).toHaveLength(abortAfter.get(r.id)!);
  });
});
