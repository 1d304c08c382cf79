/**
 * The decode loop's sync budget (style rule 6): a step is one `queue.submit` and one buffer read.
 * Counters wrap the device's queue (an instance property shadows the prototype method) and
 * `GPUBuffer.prototype.mapAsync` (Dawn's buffers all share the class `webgpu` puts on globalThis),
 * and only count while generate() runs.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import type { StepStats } from '../../src/engine/engine-types.ts';
import { generate, type GenerateOptions } from '../../src/engine/generate.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import { testGpu } from '../support/gpu-harness.ts';

interface Golden {
  readonly prompt_ids: number[];
  readonly greedy_ids: number[];
  readonly cases: { prompt_ids: number[]; greedy_ids: number[] }[];
}

const fixtureDir = new URL('../fixtures/qwen2-bf16/', import.meta.url);
const golden = JSON.parse(readFileSync(new URL('golden.json', fixtureDir), 'utf8')) as Golden;
const chunkSize = 5;

interface Counts {
  submits: number;
  /** Byte sizes of each mapAsync, in call order: ids reads are small, logits reads vocab-sized. */
  maps: number[];
  /** Submits seen before each mapAsync: tells which step read back. */
  submitsBeforeMap: number[];
}

let counts: Counts | undefined;
let restore: (() => void) | undefined;

function instrument(device: GPUDevice): () => void {
  const queue = device.queue;
  const submit = queue.submit.bind(queue);
  queue.submit = (buffers: Iterable<GPUCommandBuffer>) => {
    if (counts) counts.submits += 1;
    submit(buffers);
  };
  const prototype = GPUBuffer.prototype;
  const mapAsync = prototype.mapAsync;
  prototype.mapAsync = function (this: GPUBuffer, mode: GPUMapModeFlags, offset?: GPUSize64, size?: GPUSize64) {
    if (counts) {
      counts.maps.push(size ?? this.size - (offset ?? 0));
      counts.submitsBeforeMap.push(counts.submits);
    }
    return mapAsync.call(this, mode, offset, size);
  };
  return () => {
    // Deleting the own property uncovers the prototype's submit again.
    delete (queue as { submit?: unknown }).submit;
    prototype.mapAsync = mapAsync;
  };
}

async function counted(model: LoadedModel, options: GenerateOptions): Promise<{ ids: number[]; counts: Counts }> {
  counts = { submits: 0, maps: [], submitsBeforeMap: [] };
  try {
    const result = await generate(model, options);
    return { ids: result.completionIds, counts };
  } finally {
    counts = undefined;
  }
}

describe('submissions and readbacks per step', () => {
  let whole: LoadedModel;
  let chunked: LoadedModel;

  beforeAll(async () => {
    const gpu = await testGpu();
    whole = await loadModel(gpu, fixtureDir.pathname, { maxNumBatchedTokens: 512 });
    chunked = await loadModel(gpu, fixtureDir.pathname, { maxNumBatchedTokens: chunkSize });
    restore = instrument(gpu.device);
  });

  afterAll(() => {
    restore?.();
    whole?.dispose();
    chunked?.dispose();
  });

  it.each([1, 2, 8])('%i tokens: one prefill step + (N - 1) decode steps, one read each', async (n) => {
    const { ids, counts } = await counted(whole, { promptIds: golden.prompt_ids, maxTokens: n, ignoreEos: true });
    expect(ids).toEqual(golden.greedy_ids.slice(0, n));
    // The prefill step samples token 1; each later token is one decode step.
    expect(counts.submits).toBe(n);
    expect(counts.maps).toHaveLength(n);
    // Each read follows its own step's submit: 1, 2, …, n.
    expect(counts.submitsBeforeMap).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('returnFirstLogits adds one map, on the first step only', async () => {
    const n = 6;
    const plain = await counted(whole, { promptIds: golden.prompt_ids, maxTokens: n, ignoreEos: true });
    const withLogits = await counted(whole, { promptIds: golden.prompt_ids, maxTokens: n, ignoreEos: true, returnFirstLogits: true });
    expect(withLogits.ids).toEqual(plain.ids);
    expect(withLogits.counts.submits).toBe(n);
    expect(withLogits.counts.maps).toHaveLength(n + 1);
    // The two maps of step 1 (ids, then logits) both wait on the first submit.
    expect(withLogits.counts.submitsBeforeMap).toEqual([1, 1, 2, 3, 4, 5, 6]);
    const vocabBytes = whole.config.vocabSize * 4;
    expect(withLogits.counts.maps.filter((bytes) => bytes >= vocabBytes)).toEqual([vocabBytes]);
    expect(withLogits.counts.maps[1]).toBe(vocabBytes);
  });

  it('a prompt longer than maxNumBatchedTokens prefills in ceil(len / chunk) submits, reading only the last', async () => {
    const { prompt_ids: promptIds, greedy_ids: greedyIds } = golden.cases[0]!;
    expect(promptIds.length).toBeGreaterThan(chunkSize);
    const n = 4;
    const prefillSteps = Math.ceil(promptIds.length / chunkSize);
    const { ids, counts } = await counted(chunked, { promptIds, maxTokens: n, ignoreEos: true });
    expect(ids).toEqual(greedyIds.slice(0, n));
    expect(counts.submits).toBe(prefillSteps + n - 1);
    expect(counts.maps).toHaveLength(n);
    // No read during the prefill chunks: the first read waits on the last chunk's submit.
    expect(counts.submitsBeforeMap).toEqual(Array.from({ length: n }, (_, i) => prefillSteps + i));
  });

  it('an engine step over many sequences, with sampling and logprobs, is still one submit and at most one read', async () => {
    const steps: StepStats[] = [];
    counts = { submits: 0, maps: [], submitsBeforeMap: [] };
    const seen = counts;
    const cases = [golden, ...golden.cases];
    try {
      const engine = new Engine(whole, { onStep: (stats) => steps.push(stats) });
      const results = await Promise.all([
        ...cases.map((c, i) => engine.submit({ id: `greedy${i}`, promptIds: c.prompt_ids, sampling: { maxTokens: 8, temperature: 0, ignoreEos: true, logprobs: 3 } })),
        ...cases.map((c, i) => engine.submit({ id: `sampled${i}`, promptIds: c.prompt_ids, sampling: { maxTokens: 8, temperature: 0.9, topP: 0.9, seed: i, ignoreEos: true } })),
      ]);
      // The engine's greedy tokens are the PyTorch reference's.
      cases.forEach((c, i) => expect(results[i]!.completionIds).toEqual(c.greedy_ids.slice(0, 8)));
    } finally {
      counts = undefined;
    }
    expect(steps.length).toBeGreaterThanOrEqual(8);
    expect(seen.submits).toBe(steps.length);
    expect(seen.maps).toHaveLength(steps.filter((step) => step.sampledSeqs > 0).length);
    expect(Math.max(...steps.map((step) => step.scheduledSeqs))).toBe(2 * cases.length);
  });
});
