/** Per-step and cumulative engine statistics. */
import type { BlockManager } from './block-manager.ts';
import type { EngineStats, StepStats } from './engine-types.ts';
import type { Scheduler, SchedulerOutput } from './scheduler.ts';
import type { FinishReason, Sequence } from './sequence.ts';

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
  private last: StepStats | undefined;

  constructor(private readonly blocks: BlockManager, private readonly scheduler: Scheduler) {}

  record(plan: SchedulerOutput, durationMs: number, cpuMs: number, discardedTokens = 0): StepStats {
    const sampledSeqs = plan.scheduled.filter((entry) => entry.samples).length;
    if (plan.scheduled.length > 0) this.steps++;
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
    return {
      steps: this.steps,
      running: this.scheduler.running.length,
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
      last: this.last,
    };
  }
}
