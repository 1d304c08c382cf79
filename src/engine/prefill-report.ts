/**
 * Prefill progress for requests that ask for it (EngineRequest.reportPrefill). A step notes at
 * launch how far it brings each request still computing its prompt: by the time the step is read
 * back, the next one has already moved numComputedTokens on. Once read back, each such request
 * hears an output with no tokens carrying that count, before any token of the same step.
 */
import type { Live } from './live-request.ts';
import { notify, outputOf } from './live-request.ts';
import type { ScheduledSequence } from './scheduler.ts';
import type { Sequence } from './sequence.ts';

export interface PrefillMark {
  readonly seq: Sequence;
  /** Prompt tokens computed or cached once this step has run. */
  readonly end: number;
}

/** Call before the step's rows count as computed. A request with a token already has no prefill to report. */
export function prefillMarks(scheduled: readonly ScheduledSequence[]): PrefillMark[] {
  const marks: PrefillMark[] = [];
  for (const { seq, numNewTokens } of scheduled) {
    if (seq.numOutputTokens > 0 || seq.numPendingTokens > 0 || seq.numComputedTokens >= seq.numPromptTokens) continue;
    marks.push({ seq, end: Math.min(seq.numComputedTokens + numNewTokens, seq.numPromptTokens) });
  }
  return marks;
}

/**
 * Tells each request that asked how far its prompt is. Only its own sequence, only forward: a
 * request preempted mid-prompt recomputes silently until it passes what it already reported.
 */
export function reportPrefill(lives: ReadonlyMap<string, Live>, marks: readonly PrefillMark[]): void {
  for (const { seq, end } of marks) {
    const live = lives.get(seq.id);
    if (live === undefined || live.seq !== seq || !live.reportsPrefill || end <= live.prefilled) continue;
    live.prefilled = end;
    notify(live, { ...outputOf(seq, [], undefined, undefined), prefilledTokens: end });
  }
}
