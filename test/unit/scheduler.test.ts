/**
 * The scheduler driven by a simulated model (the "next token" is a hash of the tokens so far), so
 * budgets, chunked prefill, preemption and prefix caching are checked without a GPU.
 */
import { describe, expect, it } from 'vitest';
import { BlockManager } from '../../src/engine/block-manager.ts';
import type { ResolvedSampling } from '../../src/engine/sampling-params.ts';
import { Scheduler, type SchedulerOutput } from '../../src/engine/scheduler.ts';
import { Sequence } from '../../src/engine/sequence.ts';
import { Random } from '../support/random.ts';

const sampling = (maxTokens: number): ResolvedSampling => ({
  maxTokens, temperature: 0, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0,
  logitBias: new Map(), seed: 0, stopTokenIds: [], ignoreEos: true, logprobs: undefined, minTokens: 0, allowedTokenMask: undefined, badWordIds: [],
});

const nextToken = (tokens: readonly number[]) => tokens.reduce((h, t) => (Math.imul(h, 31) + t) >>> 0, 7) % 1000;

interface Run {
  readonly outputs: Map<string, number[]>;
  readonly steps: SchedulerOutput[];
  readonly runningAfter: number[][];
}

/** Schedules until everything finished, checking the step invariants on the way. */
function drive(scheduler: Scheduler, blocks: BlockManager, seqs: Sequence[]): Run {
  for (const seq of seqs) scheduler.add(seq);
  const steps: SchedulerOutput[] = [];
  const runningAfter: number[][] = [];
  for (let guard = 0; scheduler.hasWork; guard++) {
    if (guard > 10_000) throw new Error('no progress');
    const plan = scheduler.schedule();
    steps.push(plan);
    expect(plan.numBatchedTokens).toBeLessThanOrEqual(scheduler.limits.maxNumBatchedTokens);
    expect(scheduler.running.length).toBeLessThanOrEqual(scheduler.limits.maxNumSeqs);
    expect(plan.numBatchedTokens).toBe(plan.scheduled.reduce((sum, entry) => sum + entry.numNewTokens, 0));
    for (const { seq, numNewTokens } of plan.scheduled) {
      expect(seq.blockTable.length * blocks.blockSize).toBeGreaterThanOrEqual(seq.numComputedTokens + numNewTokens);
      seq.numComputedTokens += numNewTokens;
    }
    runningAfter.push(scheduler.running.map((seq) => seq.numOutputTokens));
    for (const { seq, samples } of plan.scheduled) {
      if (!samples) continue;
      const finish = seq.appendToken(nextToken(seq.tokens));
      if (finish !== undefined) scheduler.finish(seq, finish);
    }
  }
  expect(blocks.numFreeBlocks).toBe(blocks.numBlocks);
  return { outputs: new Map(seqs.map((seq) => [seq.id, seq.outputIds])), steps, runningAfter };
}

/**
 * The engine's pipelined order: step n + 1 is scheduled while step n's tokens are still pending
 * (on the GPU), then step n's tokens are appended. A sequence finished in step n may have had its
 * next token scheduled in step n + 1: that token is discarded.
 */
function drivePipelined(scheduler: Scheduler, blocks: BlockManager, seqs: Sequence[]): Map<string, number[]> {
  for (const seq of seqs) scheduler.add(seq);
  let inFlight: Sequence[] = [];
  for (let guard = 0; scheduler.hasWork || inFlight.length > 0; guard++) {
    if (guard > 10_000) throw new Error('no progress');
    const plan = scheduler.schedule();
    expect(plan.numBatchedTokens).toBeLessThanOrEqual(scheduler.limits.maxNumBatchedTokens);
    const sampled: Sequence[] = [];
    for (const { seq, numNewTokens, samples } of plan.scheduled) {
      expect(seq.blockTable.length * blocks.blockSize).toBeGreaterThanOrEqual(seq.numComputedTokens + numNewTokens);
      // At most the one pending token is ever run ahead of the known ones.
      expect(seq.numComputedTokens + numNewTokens).toBeLessThanOrEqual(seq.tokens.length + 1);
      seq.numComputedTokens += numNewTokens;
      if (samples) {
        seq.numPendingTokens++;
        sampled.push(seq);
      }
    }
    for (const seq of inFlight) {
      if (seq.status === 'finished') continue; // discarded
      const finish = seq.appendToken(nextToken(seq.tokens));
      if (finish !== undefined) scheduler.finish(seq, finish);
    }
    inFlight = sampled;
  }
  expect(blocks.numFreeBlocks).toBe(blocks.numBlocks);
  return new Map(seqs.map((seq) => [seq.id, seq.outputIds]));
}

function setup(numBlocks: number, maxNumBatchedTokens: number, maxNumSeqs: number, enablePrefixCaching = true) {
  const blocks = new BlockManager({ numBlocks, blockSize: 16, enablePrefixCaching });
  return { blocks, scheduler: new Scheduler(blocks, { maxNumBatchedTokens, maxNumSeqs }) };
}

const prompt = (random: Random, length: number) => Array.from({ length }, () => random.int(0, 999));

describe('Scheduler', () => {
  it('batches many sequences per step and gives each the same tokens as when run alone', () => {
    const random = new Random(3);
    const specs = Array.from({ length: 12 }, (_, i) => ({ prompt: prompt(random, random.int(1, 70)), maxTokens: random.int(1, 30), id: `r${i}` }));
    const make = () => specs.map((s, i) => new Sequence(s.id, s.prompt, sampling(s.maxTokens), [], i));
    const { blocks, scheduler } = setup(200, 128, 8);
    const together = drive(scheduler, blocks, make());
    expect(Math.max(...together.runningAfter.map((r) => r.length))).toBe(8);
    let soloSteps = 0;
    for (const seq of make()) {
      const solo = setup(200, 128, 8);
      const run = drive(solo.scheduler, solo.blocks, [seq]);
      soloSteps += run.steps.length;
      expect(together.outputs.get(seq.id)).toEqual(run.outputs.get(seq.id));
    }
    expect(together.steps.length).toBeLessThan(soloSteps / 3);
  });

  it('splits a long prompt into chunks while the decoding sequences gain a token every step', () => {
    const random = new Random(4);
    const { blocks, scheduler } = setup(200, 64, 8);
    const decoders = Array.from({ length: 4 }, (_, i) => new Sequence(`d${i}`, prompt(random, 10), sampling(80), [], i));
    for (const seq of decoders) scheduler.add(seq);
    scheduler.schedule(); // all four prefill at once
    for (const seq of decoders) {
      seq.numComputedTokens = seq.tokens.length;
      seq.appendToken(1);
    }
    const long = new Sequence('long', prompt(random, 1000), sampling(4), [], 9);
    scheduler.add(long);
    let chunks = 0;
    while (long.numOutputTokens === 0) {
      const plan = scheduler.schedule();
      const forLong = plan.scheduled.find((entry) => entry.seq === long);
      expect(plan.scheduled.filter((entry) => entry.seq !== long).map((entry) => entry.numNewTokens)).toEqual([1, 1, 1, 1]);
      expect(forLong?.numNewTokens).toBe(Math.min(60, 1000 - long.numComputedTokens));
      chunks++;
      for (const { seq, numNewTokens, samples } of plan.scheduled) {
        seq.numComputedTokens += numNewTokens;
        if (samples) seq.appendToken(2);
      }
    }
    expect(chunks).toBe(Math.ceil(1000 / 60));
  });

  it('preempts the most recently admitted sequence when blocks run out, and still finishes everything identically', () => {
    const random = new Random(5);
    const specs = Array.from({ length: 6 }, (_, i) => ({ prompt: prompt(random, random.int(20, 40)), id: `p${i}` }));
    const make = () => specs.map((s, i) => new Sequence(s.id, s.prompt, sampling(40), [], i));
    const roomy = setup(100, 256, 8);
    const expected = drive(roomy.scheduler, roomy.blocks, make()).outputs;
    const tight = setup(12, 256, 8);
    const seqs = make();
    const run = drive(tight.scheduler, tight.blocks, seqs);
    const preemptions = run.steps.flatMap((step) => step.preempted);
    expect(preemptions.length).toBeGreaterThan(0);
    expect(run.outputs).toEqual(expected);
    // The first preempted is the latest admitted of those running at that moment.
    const first = run.steps.find((step) => step.preempted.length > 0)!;
    expect(first.preempted[0]!.arrival).toBeGreaterThan(0);
  });

  it('shares a prefix between sequences admitted in the same step', () => {
    const random = new Random(6);
    const shared = prompt(random, 200);
    const seqs = Array.from({ length: 8 }, (_, i) => new Sequence(`s${i}`, [...shared, ...prompt(random, 5)], sampling(3), [], i));
    const { blocks, scheduler } = setup(200, 512, 8);
    const run = drive(scheduler, blocks, seqs);
    const hits = run.steps.reduce((sum, step) => sum + step.prefixHitTokens, 0);
    expect(hits).toBe(7 * 192);
    expect(seqs.slice(1).every((seq) => seq.numCachedPromptTokens === 192)).toBe(true);
    const cold = setup(200, 512, 8, false);
    const coldSeqs = seqs.map((seq, i) => new Sequence(seq.id, seq.promptIds, sampling(3), [], i));
    expect(drive(cold.scheduler, cold.blocks, coldSeqs).outputs).toEqual(run.outputs);
  });

  it('keeps its invariants on random workloads with random pools and budgets', () => {
    const random = new Random(7);
    for (let c = 0; c < 40; c++) {
      const maxTokens = random.int(1, 40);
      const longest = random.int(1, 120);
      const numBlocks = Math.ceil((longest + maxTokens) / 16) + random.int(0, 20);
      const { blocks, scheduler } = setup(numBlocks, random.int(1, 200), random.int(1, 10), random.int(0, 1) === 1);
      const seqs = Array.from({ length: random.int(1, 12) }, (_, i) => new Sequence(`c${i}`, prompt(random, random.int(1, longest)), sampling(maxTokens), [], i));
      const run = drive(scheduler, blocks, seqs);
      for (const seq of seqs) expect(run.outputs.get(seq.id)).toHaveLength(maxTokens);
    }
  });

  it('pipelined (the next step scheduled before the tokens of this one are known) gives the same outputs on random workloads', () => {
    const random = new Random(8);
    for (let c = 0; c < 40; c++) {
      const maxTokens = random.int(1, 40);
      const longest = random.int(1, 120);
      const numBlocks = Math.ceil((longest + maxTokens + 1) / 16) + random.int(0, 20);
      const budget = random.int(1, 200);
      const maxSeqs = random.int(1, 10);
      const caching = random.int(0, 1) === 1;
      const prompts = Array.from({ length: random.int(1, 12) }, () => prompt(random, random.int(1, longest)));
      // Stop ids end some sequences early, so pipelined steps run tokens that get discarded.
      const stopIds = Array.from({ length: 40 }, () => random.int(0, 999));
      const make = () => prompts.map((p, i) => new Sequence(`c${i}`, p, sampling(maxTokens), stopIds, i));
      const serial = setup(numBlocks, budget, maxSeqs, caching);
      const expected = drive(serial.scheduler, serial.blocks, make()).outputs;
      const pipelined = setup(numBlocks, budget, maxSeqs, caching);
      expect(drivePipelined(pipelined.scheduler, pipelined.blocks, make())).toEqual(expected);
    }
  });
});
