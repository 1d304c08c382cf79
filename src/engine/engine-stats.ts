/** Per-step and cumulative engine statistics. */
import { RequestLatencies } from './latency-histogram.ts';
import type { BlockManager } from './block-manager.ts';
import type { EngineStats, StepStats } from './engine-types.ts';
import type { ScheduledSequence, Scheduler, SchedulerOutput } from './scheduler.ts';
import type { FinishReason, Sequence } from './sequence.ts';

/**
 * Whether a step (judged at launch, before its rows count as computed) only decodes: every row is
 * one output token of a sequence that samples its next one, with no prompt chunk beside it.
 */
export function isDecodeOnly(scheduled: readonly ScheduledSequence[]): boolean {
  return scheduled.length > 0 && scheduled.every(({ seq, numNewTokens, samples }) =>
    numNewTokens === 1 && samples && seq.numComputedTokens >= seq.numPromptTokens);
}

/** A step's timing, in performance.now() milliseconds. */
export interface StepTiming {
  /** From scheduling the step to the end of its postprocessing. */
  readonly durationMs: number;
  readonly cpuMs: number;
  /** When its postprocessing ended. */
  readonly finishedAt: number;
}

export class EngineStatsTracker {
  private steps = 0;
  private maxRunning = 0;
  private prefixCacheHitTokens = 0;
  private promptTokens = 0;
  private generatedTokens = 0;
  private discardedTokens = 0;
  private preemptions = 0;
  private finishedRequests = 0;
  private abortedRequests = 0;
  private decodeSteps = 0;
  private decodeTokens = 0;
  private decodeMs = 0;
  /** When the last step with rows finished postprocessing. */
  private lastFinishedAt: number | undefined;
  private last: StepStats | undefined;
  readonly latencies = new RequestLatencies();

  constructor(private readonly blocks: BlockManager, private readonly scheduler: Scheduler) {}

  /** `decodeOnly`: isDecodeOnly(plan.scheduled) as it was at launch. */
  record(plan: SchedulerOutput, { durationMs, cpuMs, finishedAt }: StepTiming, discardedTokens = 0, decodeOnly = false): StepStats {
    const sampledSeqs = plan.scheduled.filter((entry) => entry.samples).length;
    if (plan.scheduled.length > 0) {
      this.steps++;
      if (decodeOnly) {
        // Pipelined steps overlap, so a step's own duration double-counts its predecessor's tail;
        // after an idle gap, the time since the last step would count the gap. Take the smaller.
        const sincePrevious = this.lastFinishedAt === undefined ? durationMs : finishedAt - this.lastFinishedAt;
        this.decodeSteps++;
        this.decodeTokens += sampledSeqs - discardedTokens;
        this.decodeMs += Math.max(0, Math.min(durationMs, sincePrevious));
      }
      this.lastFinishedAt = finishedAt;
    }
    this.maxRunning = Math.max(this.maxRunning, this.scheduler.running.length);
    this.prefixCacheHitTokens += plan.prefixHitTokens;
    this.preemptions += plan.preempted.length;
    this.generatedTokens += sampledSeqs - discardedTokens;
    this.discardedTokens += discardedTokens;
    this.last = {
      step: this.steps,
      running: this.scheduler.running.length,
      waiting: this.scheduler.waiting.length,
      scheduledSeqs: plan.scheduled.length,
      sampledSeqs,
      batchedTokens: plan.numBatchedTokens,
      blocksUsed: this.blocks.numBlocks - this.blocks.numFreeBlocks,
      blocksFree: this.blocks.numFreeBlocks,
      prefixHitTokens: plan.prefixHitTokens,
      preemptions: plan.preempted.length,
      durationMs,
      cpuMs,
      discardedTokens,
    };
    return this.last;
  }

  finished(seq: Sequence, reason: FinishReason): void {
    this.promptTokens += seq.numPromptTokens;
    if (reason === 'abort') this.abortedRequests++;
    else this.finishedRequests++;
  }

  snapshot(): EngineStats {
    const running = this.scheduler.running.length;
    // Requests admitted since the last recorded step count too: the largest batch is never below the current one.
    this.maxRunning = Math.max(this.maxRunning, running);
    return {
      steps: this.steps,
      running,
      waiting: this.scheduler.waiting.length,
      maxRunning: this.maxRunning,
      blocksTotal: this.blocks.numBlocks,
      blocksUsed: this.blocks.numBlocks - this.blocks.numFreeBlocks,
      blocksFree: this.blocks.numFreeBlocks,
      blockSize: this.blocks.blockSize,
      prefixCacheHitTokens: this.prefixCacheHitTokens,
      promptTokens: this.promptTokens,
      generatedTokens: this.generatedTokens,
      discardedTokens: this.discardedTokens,
      preemptions: this.preemptions,
      finishedRequests: this.finishedRequests,
      abortedRequests: this.abortedRequests,
      decodeSteps: this.decodeSteps,
      decodeTokens: this.decodeTokens,
      decodeMs: this.decodeMs,
      timeToFirstTokenSeconds: this.latencies.timeToFirstToken.snapshot(),
      interTokenLatencySeconds: this.latencies.interTokenLatency.snapshot(),
      last: this.last,
    };
  }
}
