/**
 * The decode loop's sync budget (style rule 6) and its pipelining: a step is two submissions (its
 * forward pass, then its sampling) and one buffer read, and at steady state step n + 1's forward
 * pass is submitted before step n is read back. Counters wrap the device's queue (an instance
 * property shadows the prototype method) and `GPUBuffer.prototype.mapAsync` / `getMappedRange`
 * (Dawn's buffers all share the class `webgpu` puts on globalThis), and only count while a run goes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import type { SamplingParams } from '../../src/engine/sampling-params.ts';
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
  /** Submissions by command-buffer label: 'step.forward' (up to the logits), 'step.sample'. */
  forwards: number;
  samples: number;
  /** Byte sizes of each mapAsync, in call order: ids reads are small, logits reads vocab-sized. */
  maps: number[];
  /** What happened, in order: 'F' forward submit, 'S' sample submit, 'R' a readback read on the CPU, 'T' a token delivered. */
  events: string[];
}

let counts: Counts | undefined;
let restore: (() => void) | undefined;

function instrument(device: GPUDevice): () => void {
  const queue = device.queue;
  const submit = queue.submit.bind(queue);
  queue.submit = (buffers: Iterable<GPUCommandBuffer>) => {
    const list = [...buffers];
    if (counts) {
      for (const buffer of list) {
        const forward = buffer.label === 'step.forward';
        if (forward) counts.forwards += 1;
        else if (buffer.label === 'step.sample') counts.samples += 1;
        counts.events.push(forward ? 'F' : buffer.label === 'step.sample' ? 'S' : '?');
      }
    }
    submit(list);
  };
  const prototype = GPUBuffer.prototype;
  const mapAsync = prototype.mapAsync;
  const getMappedRange = prototype.getMappedRange;
  prototype.mapAsync = function (this: GPUBuffer, mode: GPUMapModeFlags, offset?: GPUSize64, size?: GPUSize64) {
    counts?.maps.push(size ?? this.size - (offset ?? 0));
    return mapAsync.call(this, mode, offset, size);
  };
  prototype.getMappedRange = function (this: GPUBuffer, offset?: GPUSize64, size?: GPUSize64) {
    if (counts && this.label.startsWith('readback.ids')) counts.events.push('R');
    return getMappedRange.call(this, offset, size);
  };
  return () => {
    // Deleting the own property uncovers the prototype's submit again.
    delete (queue as { submit?: unknown }).submit;
    prototype.mapAsync = mapAsync;
    prototype.getMappedRange = getMappedRange;
  };
}

function freshCounts(): Counts {
  return { forwards: 0, samples: 0, maps: [], events: [] };
}

async function counted(model: LoadedModel, options: GenerateOptions): Promise<{ ids: number[]; counts: Counts }> {
  counts = freshCounts();
  try {
    const result = await generate(model, options);
    return { ids: result.completionIds, counts };
  } finally {
    counts = undefined;
  }
}

/** Index in `events` of the k-th (1-based) occurrence of `event`. */
function nth(events: readonly string[], event: string, k: number): number {
  let seen = 0;
  for (let i = 0; i < events.length; i++) if (events[i] === event && ++seen === k) return i;
  return -1;
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
    // The prefill step samples token 1; each later token is one decode step. A token certain to
    // be the last (max_tokens) launches no further step.
    expect(counts.forwards).toBe(n);
    expect(counts.samples).toBe(n);
    expect(counts.maps).toHaveLength(n);
    expect(counts.events.filter((event) => event === 'R')).toHaveLength(n);
  });

  it('at steady state step n + 1 is submitted before step n is read back; without pipelining, after', async () => {
    const n = 8;
    // 'T': the engine hands step k's token to the request, the moment step k has been read back.
    const run = async (id: string, options: EngineOptions, sampling: Partial<SamplingParams>) => {
      const engine = new Engine(whole, { enablePrefixCaching: false, ...options });
      counts = freshCounts();
      const seen = counts;
      try {
        const result = await engine.submit(
          { id, promptIds: golden.prompt_ids, sampling: { maxTokens: n, ignoreEos: true, ...sampling } },
          (output) => output.tokenIds.forEach(() => seen.events.push('T')),
        );
        return { ids: result.completionIds, events: seen.events.filter((event) => event !== 'R') };
      } finally {
        counts = undefined;
      }
    };
    const greedy = await run('greedy', {}, { temperature: 0, repetitionPenalty: 1 });
    expect(greedy.ids).toEqual(golden.greedy_ids.slice(0, n));
    console.log(`[pipeline] greedy: ${greedy.events.join(' ')}`);
    // Greedy sampling needs nothing from step k's token: step k + 1's forward pass and sampling
    // both go to the GPU before step k is read back.
    for (let k = 1; k < n; k++) {
      expect(nth(greedy.events, 'F', k + 1), `step ${k + 1} forward before step ${k} read`).toBeLessThan(nth(greedy.events, 'T', k));
      expect(nth(greedy.events, 'S', k + 1), `step ${k + 1} sampling before step ${k} read`).toBeLessThan(nth(greedy.events, 'T', k));
    }
    // A penalty counts step k's token (the fixture's default repetition penalty 1.05, and a
    // frequency penalty): step k + 1's forward pass still goes first, its sampling waits for the read.
    const penalised = await run('penalised', {}, { temperature: 0, frequencyPenalty: 0.5 });
    console.log(`[pipeline] penalised: ${penalised.events.join(' ')}`);
    for (let k = 1; k < n; k++) {
      expect(nth(penalised.events, 'F', k + 1)).toBeLessThan(nth(penalised.events, 'T', k));
      expect(nth(penalised.events, 'S', k + 1)).toBeGreaterThan(nth(penalised.events, 'T', k));
    }
    const serial = await run('serial', { pipeline: false }, { temperature: 0, repetitionPenalty: 1 });
    expect(serial.ids).toEqual(greedy.ids);
    for (let k = 1; k < n; k++) expect(nth(serial.events, 'F', k + 1)).toBeGreaterThan(nth(serial.events, 'T', k));
    expect((await run('serial-penalised', { pipeline: false }, { temperature: 0, frequencyPenalty: 0.5 })).ids).toEqual(penalised.ids);
    // generate() runs on the model's latest Engine: give it back a default one.
    new Engine(whole, { enablePrefixCaching: false });
  });

  it('returnFirstLogits adds one map, on the first step only', async () => {
    const n = 6;
    const plain = await counted(whole, { promptIds: golden.prompt_ids, maxTokens: n, ignoreEos: true });
    const withLogits = await counted(whole, { promptIds: golden.prompt_ids, maxTokens: n, ignoreEos: true, returnFirstLogits: true });
    expect(withLogits.ids).toEqual(plain.ids);
    expect(withLogits.counts.forwards).toBe(n);
    expect(withLogits.counts.maps).toHaveLength(n + 1);
    const vocabBytes = whole.config.vocabSize * 4;
    expect(withLogits.counts.maps.filter((bytes) => bytes >= vocabBytes)).toEqual([vocabBytes]);
    // The two maps of step 1 (ids, then logits) come first.
    expect(withLogits.counts.maps[1]).toBe(vocabBytes);
  });

  it('a prompt longer than maxNumBatchedTokens prefills in ceil(len / chunk) forward submits, sampling only the last', async () => {
    const { prompt_ids: promptIds, greedy_ids: greedyIds } = golden.cases[0]!;
    expect(promptIds.length).toBeGreaterThan(chunkSize);
    const n = 4;
    const prefillSteps = Math.ceil(promptIds.length / chunkSize);
    const { ids, counts } = await counted(chunked, { promptIds, maxTokens: n, ignoreEos: true });
    expect(ids).toEqual(greedyIds.slice(0, n));
    expect(counts.forwards).toBe(prefillSteps + n - 1);
    // No sampling and no read during the prefill chunks.
    expect(counts.samples).toBe(n);
    expect(counts.maps).toHaveLength(n);
    expect(counts.events.indexOf('S')).toBe(prefillSteps);
  });

  it('an engine step over many sequences, with sampling and logprobs, is still one forward, one sampling and at most one read', async () => {
    const steps: StepStats[] = [];
    counts = freshCounts();
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
    expect(seen.forwards).toBe(steps.length);
    const sampling = steps.filter((step) => step.sampledSeqs > 0).length;
    expect(seen.samples).toBe(sampling);
    expect(seen.maps).toHaveLength(sampling);
    expect(Math.max(...steps.map((step) => step.scheduledSeqs))).toBe(2 * cases.length);
  });
});
