/**
 * Engine statistics on the scheduler alone, with made-up step timings: the largest batch is never below the
 * running count of the same snapshot, and decode throughput counts decode-only steps over their
 * real period (pipelined steps overlap), never an idle gap, never a prefill chunk.
 */
import { describe, expect, it } from 'vitest';
import { BlockManager } from '../../src/engine/block-manager.ts';
import { EngineStatsTracker, isDecodeOnly } from '../../src/engine/engine-stats.ts';
import type { ResolvedSampling } from '../../src/engine/sampling-params.ts';
import { Scheduler, type SchedulerOutput } from '../../src/engine/scheduler.ts';
import { Sequence } from '../../src/engine/sequence.ts';

const sampling: ResolvedSampling = {
  maxTokens: 100, temperature: 0, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0,
  logitBias: new Map(), seed: 0, stopTokenIds: [], ignoreEos: true, logprobs: undefined, minTokens: 0, allowedTokenMask: undefined, badWordIds: [],
};

function setup(maxNumBatchedTokens = 64) {
  const blocks = new BlockManager({ numBlocks: 64, blockSize: 16, enablePrefixCaching: true });
  const scheduler = new Scheduler(blocks, { maxNumBatchedTokens, maxNumSeqs: 8 });
  const clock = { now: 0 };
  const tracker = new EngineStatsTracker(blocks, scheduler);
  /** Records a step that took `durationMs` and finished postprocessing at clock.now. */
  const record = (step: { plan: SchedulerOutput; decodeOnly: boolean }, durationMs: number, discarded = 0) =>
    tracker.record(step.plan, { durationMs, cpuMs: 1, finishedAt: clock.now }, discarded, step.decodeOnly);
  return { scheduler, clock, tracker, record };
}

const prompt = (length: number, salt: number) => Array.from({ length }, (_, i) => (i * 7 + salt) % 500);

/** Schedules a step and runs it as the engine's launch does (rows computed, each sampler gets token 1). */
function launch(scheduler: Scheduler): { plan: SchedulerOutput; decodeOnly: boolean } {
  const plan = scheduler.schedule();
  const decodeOnly = isDecodeOnly(plan.scheduled);
  for (const { seq, numNewTokens, samples } of plan.scheduled) {
    seq.numComputedTokens += numNewTokens;
    if (samples) seq.appendToken(1);
  }
  return { plan, decodeOnly };
}

describe('EngineStatsTracker', () => {
  it('reports maxRunning at least the running count, before any step is recorded and after', () => {
    const { scheduler, tracker } = setup();
    expect(tracker.snapshot()).toMatchObject({ running: 0, maxRunning: 0 });
    scheduler.add(new Sequence('a', prompt(10, 1), sampling, [], 0));
    scheduler.add(new Sequence('b', prompt(10, 2), sampling, [], 1));
    const { plan } = launch(scheduler); // both admitted: running now, recorded only after readback
    const during = tracker.snapshot();
    expect(during.running).toBe(2);
    expect(during.maxRunning).toBe(2);
    tracker.record(plan, { durationMs: 5, cpuMs: 1, finishedAt: 5 });
    for (const seq of [...scheduler.running]) scheduler.finish(seq, 'stop');
    expect(tracker.snapshot()).toMatchObject({ running: 0, maxRunning: 2 });
  });

  it('counts decode-only steps over their real period when pipelined, and never an idle gap', () => {
    const { scheduler, clock, tracker, record } = setup();
    for (const id of ['a', 'b']) scheduler.add(new Sequence(id, prompt(20, id.length), sampling, [], 0));
    // Step 1 prefills both prompts (and samples their first tokens): no decode time.
    const prefill = launch(scheduler);
    expect(prefill.decodeOnly).toBe(false);
    clock.now = 30;
    record(prefill, 30);
    // Ten pipelined decode steps, one every 10 ms: each launched 8 ms before its predecessor was
    // read back, so each durationMs is 18 ms while the real period is 10 ms.
    let durations = 0;
    for (let i = 0; i < 10; i++) {
      const step = launch(scheduler);
      expect(step.decodeOnly).toBe(true);
      clock.now += 10;
      record(step, 18);
      durations += 18;
    }
    const stats = tracker.snapshot();
    expect(stats).toMatchObject({ decodeSteps: 10, decodeTokens: 20, decodeMs: 100, generatedTokens: 22 });
    // The real throughput is 2 tokens per 10 ms; summing durations would claim only 2 per 18 ms.
    const realPerMs = 2 / 10;
    expect(stats.decodeTokens / stats.decodeMs).toBeLessThanOrEqual(realPerMs);
    expect(stats.decodeTokens / stats.decodeMs).toBeGreaterThan(stats.decodeTokens / durations);

    // An idle second, then one decode step of 12 ms: the gap is not decode time.
    clock.now += 1000;
    const late = launch(scheduler);
    clock.now += 12;
    record(late, 12, 1); // one of its two tokens was discarded
    expect(tracker.snapshot()).toMatchObject({ decodeSteps: 11, decodeTokens: 21, decodeMs: 112 });
  });

  it('a step with a prompt chunk beside decode rows is not decode-only, but starts the next period', () => {
    const { scheduler, clock, tracker, record } = setup(32);
    scheduler.add(new Sequence('short', prompt(8, 3), sampling, [], 0));
    const first = launch(scheduler);
    clock.now = 10;
    record(first, 10);
    scheduler.add(new Sequence('long', prompt(100, 4), sampling, [], 1));
    const mixed = launch(scheduler); // short decodes, long prefills its first chunk
    expect(mixed.plan.scheduled.map((entry) => entry.numNewTokens)).toEqual([1, 31]);
    expect(mixed.decodeOnly).toBe(false);
    clock.now = 50;
    record(mixed, 40);
    expect(tracker.snapshot()).toMatchObject({ decodeSteps: 0, decodeTokens: 0, decodeMs: 0 });
    // Until the long prompt is in, every step carries a chunk of it.
    while (scheduler.running.some((seq) => seq.numOutputTokens === 0)) {
      const step = launch(scheduler);
      expect(step.decodeOnly).toBe(false);
      clock.now += 40;
      record(step, 40);
    }
    const decode = launch(scheduler);
    expect(decode.decodeOnly).toBe(true);
    clock.now += 7;
    record(decode, 9);
    expect(tracker.snapshot()).toMatchObject({ decodeSteps: 1, decodeTokens: 2, decodeMs: 7 });
  });

  it('a last prompt token computed alone (the rest from the prefix cache) is not a decode row', () => {
    const { scheduler } = setup();
    const shared = prompt(33, 5);
    scheduler.add(new Sequence('first', shared, sampling, [], 0));
    launch(scheduler);
    scheduler.add(new Sequence('second', shared, sampling, [], 1));
    const plan = scheduler.schedule();
    const second = plan.scheduled.find((entry) => entry.seq.id === 'second')!;
    expect(second.numNewTokens).toBe(1); // 32 cached, the last computed
    expect(isDecodeOnly(plan.scheduled)).toBe(false);
  });
});
