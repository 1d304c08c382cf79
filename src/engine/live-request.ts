/**
 * A request the engine is serving: its sequence, who hears its tokens, what it collects for its
 * result, and the small helpers that deliver outputs without letting one request hurt another.
 */
import type { StepOutput } from '../model/model-runner.ts';
import type { EngineRequest, RequestOutput, RequestResult, TokenLogprob } from './engine-types.ts';
import type { FinishReason, Sequence } from './sequence.ts';

export type OutputListener = (output: RequestOutput) => void;

export interface Live {
  readonly seq: Sequence;
  readonly listener: OutputListener | undefined;
  readonly logprobs: TokenLogprob[];
  /** Set by submit(); a request added with addRequest() is followed through its listener only. */
  settle?: { resolve(result: RequestResult): void; reject(error: unknown): void };
  readonly wantsFirstLogits: boolean;
  /** The logits its first output token was sampled from, when it asked for them. */
  firstLogits?: Float32Array;
  /** Whether it hears prefill progress (prefill-report.ts), and the count it last heard. */
  readonly reportsPrefill: boolean;
  prefilled: number;
}

/** A listener that throws must not stop the engine serving everyone else. */
export function notify(live: Live, output: RequestOutput): void {
  try {
    live.listener?.(output);
  } catch (error) {
    console.error(`output listener of request ${output.requestId} threw`, error);
  }
}

/** One sample row's (vocab) logits, copied out of the step's (sampleRows, vocab) readback. */
export function rowLogits(output: StepOutput, row: number, vocabSize: number): Float32Array {
  if (output.logits === undefined) throw new Error('the step read back no logits, though a request asked for them (a bug)');
  return output.logits.slice(row * vocabSize, (row + 1) * vocabSize);
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

/** The result of a request aborted before it joined the batch (while its grammar compiled). */
export function abortedBeforeAdmission(request: EngineRequest, listener: OutputListener | undefined): RequestResult {
  const numPromptTokens = request.promptIds.length;
  try {
    listener?.({ requestId: request.id, tokenIds: [], finishReason: 'abort', numPromptTokens, numCachedTokens: 0 });
  } catch (error) {
    console.error(`output listener of request ${request.id} threw`, error);
  }
  return { id: request.id, completionIds: [], finishReason: 'abort', numPromptTokens, numCachedTokens: 0 };
}

/** What a listener hears for `seq` in one step. */
export function outputOf(seq: Sequence, tokenIds: number[], logprob: TokenLogprob | undefined, finishReason: FinishReason | undefined): RequestOutput {
  return {
    requestId: seq.id,
    tokenIds,
    ...(logprob === undefined ? {} : { logprobs: [logprob] }),
    ...(finishReason === undefined ? {} : { finishReason }),
    numPromptTokens: seq.numPromptTokens,
    numCachedTokens: seq.numCachedPromptTokens,
  };
}

/** A finished request's result. */
export function resultOf(live: Live, reason: FinishReason): RequestResult {
  const { seq } = live;
  return {
    id: seq.id,
    completionIds: seq.outputIds,
    finishReason: reason,
    numPromptTokens: seq.numPromptTokens,
    numCachedTokens: seq.numCachedPromptTokens,
    ...(seq.sampling.logprobs === undefined ? {} : { logprobs: live.logprobs }),
    ...(live.firstLogits === undefined ? {} : { firstLogits: live.firstLogits }),
  };
}
