/**
 * Continuous-batching scheduler (vLLM v1 semantics, design.md): one token budget per step and at
 * most maxNumSeqs running sequences. Running sequences go first — those decoding before those
 * still prefilling, so a long prompt never stalls the others — then waiting ones while budget and
 * blocks allow. A prompt larger than the remaining budget is prefilled in chunks over several
 * steps. When blocks run out, the most recently admitted running sequence is preempted: its
 * blocks are freed and it goes back to the front of the waiting queue to be recomputed later.
 */
import type { BlockManager } from './block-manager.ts';
import type { FinishReason, Sequence } from './sequence.ts';

export interface SchedulerLimits {
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
}

export interface ScheduledSequence {
  readonly seq: Sequence;
  /** Tokens this step runs for it, starting at its numComputedTokens. */
  numNewTokens: number;
  /** Whether this step reaches its last known token, so a next token is sampled. */
  readonly samples: boolean;
}

export interface SchedulerOutput {
  readonly scheduled: readonly ScheduledSequence[];
  readonly numBatchedTokens: number;
  readonly preempted: readonly Sequence[];
  /** Prompt tokens the prefix cache served to sequences admitted this step. */
  readonly prefixHitTokens: number;
}

export class Scheduler {
  readonly waiting: Sequence[] = [];
  /** In admission order: the last one is preempted first. */
  readonly running: Sequence[] = [];

  constructor(private readonly blocks: BlockManager, readonly limits: SchedulerLimits) {}

  add(seq: Sequence): void {
    seq.status = 'waiting';
    this.waiting.push(seq);
  }

  get hasWork(): boolean {
    return this.waiting.length > 0 || this.running.length > 0;
  }

  schedule(): SchedulerOutput {
    const scheduled = new Map<Sequence, ScheduledSequence>();
    const preempted: Sequence[] = [];
    let budget = this.limits.maxNumBatchedTokens;
    // A sequence whose pending token ends it (max_tokens) waits for that token instead.
    const runnable = this.running.filter((seq) => !seq.endsWithPendingToken && seq.numUncomputedTokens > 0);
    const decoding = runnable.filter((seq) => seq.numUncomputedTokens === 1);
    const prefilling = runnable.filter((seq) => seq.numUncomputedTokens > 1);
    for (const seq of [...decoding, ...prefilling]) {
      if (budget === 0) break;
      if (seq.status !== 'running') continue; // preempted earlier in this loop
      const numNew = Math.min(seq.numUncomputedTokens, budget);
      const total = seq.numComputedTokens + numNew;
      while (!this.blocks.canAppend(seq, total)) {
        const victim = this.running.pop()!;
        const entry = scheduled.get(victim);
        if (entry !== undefined) {
          budget += entry.numNewTokens;
          scheduled.delete(victim);
        }
        this.preempt(victim);
        preempted.push(victim);
        if (victim === seq) break;
      }
      if (seq.status !== 'running') continue;
      this.blocks.append(seq, total);
      scheduled.set(seq, { seq, numNewTokens: numNew, samples: total === seq.numTokens });
      budget -= numNew;
    }
    // Blocks this step fills are registered now, so sequences admitted below can share them in
    // this very step: every layer writes all rows' K and V before any row attends. A block holding
    // a pending token waits until that token is known (a step later): it may be discarded.
    for (const { seq, numNewTokens } of scheduled.values()) {
      this.blocks.cacheFullBlocks(seq, seq.tokens, Math.min(seq.numComputedTokens + numNewTokens, seq.tokens.length));
    }

    let prefixHitTokens = 0;
    // A step that had to preempt admits nobody: the pool is already short.
    while (preempted.length === 0 && budget > 0 && this.waiting.length > 0 && this.running.length < this.limits.maxNumSeqs) {
      const seq = this.waiting[0]!;
      if (seq.numPendingTokens > 0) break; // preempted with a token still on the GPU: next step
      const prefix = this.blocks.cachedPrefix(seq.tokens);
      const numNew = Math.min(seq.tokens.length - prefix.numTokens, budget);
      if (!this.blocks.canAllocate(prefix.numTokens + numNew, prefix)) break;
      this.blocks.allocate(seq, prefix.numTokens + numNew, prefix);
      seq.numComputedTokens = prefix.numTokens;
      if (seq.numOutputTokens === 0) seq.numCachedPromptTokens = prefix.numTokens;
      prefixHitTokens += prefix.numTokens;
      this.waiting.shift();
      this.running.push(seq);
      seq.status = 'running';
      const total = prefix.numTokens + numNew;
      scheduled.set(seq, { seq, numNewTokens: numNew, samples: total === seq.tokens.length });
      this.blocks.cacheFullBlocks(seq, seq.tokens, total);
      budget -= numNew;
    }
    return {
      scheduled: [...scheduled.values()],
      numBatchedTokens: this.limits.maxNumBatchedTokens - budget,
      preempted,
      prefixHitTokens,
    };
  }

  /** Removes a sequence wherever it is and frees its blocks. */
  finish(seq: Sequence, reason: FinishReason): void {
    remove(this.running, seq);
    remove(this.waiting, seq);
    this.blocks.free(seq);
    seq.status = 'finished';
    seq.finishReason = reason;
  }

  private preempt(seq: Sequence): void {
    this.blocks.free(seq);
    seq.numComputedTokens = 0;
    seq.status = 'waiting';
    this.waiting.unshift(seq);
  }
}

function remove(queue: Sequence[], seq: Sequence): void {
  const index = queue.indexOf(seq);
  if (index >= 0) queue.splice(index, 1);
}
