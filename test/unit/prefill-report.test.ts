/**
 * Prefill progress on the scheduler alone: a request that asked hears how far its prompt is after
 * each step that computed part of it, ending at the prompt length in the step that samples its
 * first token; a request that did not ask hears nothing; counts only grow; a stale sequence under
 * the same id (a request that finished, its id reused) is never told.
 */
import { describe, expect, it } from 'vitest';
import { BlockManager } from '../../src/engine/block-manager.ts';
import type { RequestOutput } from '../../src/engine/engine-types.ts';
import type { Live } from '../../src/engine/live-request.ts';
import { prefillMarks, reportPrefill } from '../../src/engine/prefill-report.ts';
import type { ResolvedSampling } from '../../src/engine/sampling-params.ts';
import { Scheduler } from '../../src/engine/scheduler.ts';
import { Sequence } from '../../src/engine/sequence.ts';

const sampling: ResolvedSampling = {
  maxTokens: 4, temperature: 0, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0,
  logitBias: new Map(), seed: 0, stopTokenIds: [], ignoreEos: true, logprobs: undefined, minTokens: 0, allowedTokenMask: undefined, badWordIds: [],
};

const prompt = (length: number, salt: number) => Array.from({ length }, (_, i) => (i * 13 + salt) % 500);

function live(seq: Sequence, reportsPrefill: boolean, heard: RequestOutput[]): Live {
  return { seq, listener: (output) => heard.push(output), logprobs: [], wantsFirstLogits: false, reportsPrefill, prefilled: 0 };
}

describe('prefill progress', () => {
  it('follows a chunked prompt step by step, only for the request that asked', () => {
    const blocks = new BlockManager({ numBlocks: 64, blockSize: 16, enablePrefixCaching: true });
    const scheduler = new Scheduler(blocks, { maxNumBatchedTokens: 16, maxNumSeqs: 8 });
    const asked = new Sequence('asked', prompt(40, 1), sampling, [], 0);
    const quiet = new Sequence('quiet', prompt(30, 2), sampling, [], 1);
    const heard = { asked: [] as RequestOutput[], quiet: [] as RequestOutput[] };
    const lives = new Map([['asked', live(asked, true, heard.asked)], ['quiet', live(quiet, false, heard.quiet)]]);
    scheduler.add(asked);
    scheduler.add(quiet);
    const firstTokenAt = new Map<string, number>();
    for (let step = 0; scheduler.hasWork && step < 50; step++) {
      const plan = scheduler.schedule();
      const marks = prefillMarks(plan.scheduled);
      for (const { seq, numNewTokens } of plan.scheduled) seq.numComputedTokens += numNewTokens;
      reportPrefill(lives, marks);
      for (const { seq, samples } of plan.scheduled) {
        if (!samples) continue;
        if (seq.numOutputTokens === 0) firstTokenAt.set(seq.id, heard.asked.length);
        if (seq.appendToken(7) !== undefined) scheduler.finish(seq, 'length');
      }
    }
    expect(heard.asked.map((output) => output.prefilledTokens)).toEqual([16, 32, 40]);
    // All three came before the first token (the last one in the step that sampled it).
    expect(firstTokenAt.get('asked')).toBe(3);
    for (const output of heard.asked) {
      expect(output).toMatchObject({ requestId: 'asked', tokenIds: [], numPromptTokens: 40 });
      expect(output.finishReason).toBeUndefined();
    }
    expect(heard.quiet).toEqual([]);
  });

  it('reports the prefix-cached part with the first chunk, counts only forward, and never a stale sequence', () => {
    const seq = new Sequence('r', prompt(50, 3), sampling, [], 0);
    const heard: RequestOutput[] = [];
    const lives = new Map([['r', live(seq, true, heard)]]);
    seq.numComputedTokens = 32; // served by the prefix cache
    const first = prefillMarks([{ seq, numNewTokens: 8, samples: false }]);
    expect(first).toEqual([{ seq, end: 40 }]);
    reportPrefill(lives, first);
    // Preempted and recomputed from the start: silent until it passes what it reported.
    reportPrefill(lives, [{ seq, end: 16 }]);
    reportPrefill(lives, [{ seq, end: 40 }]);
    reportPrefill(lives, [{ seq, end: 50 }]);
    const stale = new Sequence('r', prompt(50, 3), sampling, [], 1);
    reportPrefill(lives, [{ seq: stale, end: 50 }]);
    expect(heard.map((output) => output.prefilledTokens)).toEqual([40, 50]);
    // With its first token in, a sequence (recomputing after preemption) has no prefill to report.
    seq.appendToken(7);
    seq.numComputedTokens = 0;
    expect(prefillMarks([{ seq, numNewTokens: 16, samples: false }])).toEqual([]);
  });
});
