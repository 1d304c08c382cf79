/** The engine's request, per-step output and statistics shapes (plain data: they cross workers). */
import type { HistogramSnapshot } from './latency-histogram.ts';
import type { ConstraintSpec } from '../constraint/constraint-spec.ts';
import type { TokenLogprob } from '../model/model-runner.ts';
import type { SamplingParams } from './sampling-params.ts';
import type { FinishReason } from './sequence.ts';

export type { TokenLogprob };

export interface EngineRequest {
  /** Unique among the engine's unfinished requests. */
  readonly id: string;
  readonly promptIds: readonly number[];
  readonly sampling: SamplingParams;
  /** Decode under a grammar (JSON object, JSON schema, hermes tool calls): a token mask per step. */
  readonly constraint?: ConstraintSpec;
  /** Also return the raw logits its first output token was sampled from (golden tests; one vocab-sized read). */
  readonly returnFirstLogits?: boolean;
  /**
   * Also hear prefill progress: after each step that computed part of the prompt (the one that
   * samples the first token included), an output with no tokens whose `prefilledTokens` says how
   * far the prompt is; never after the first token.
   */
  readonly reportPrefill?: boolean;
}


/** What one step produced for one request: at most one token, and whether it finished. */
export interface RequestOutput {
  readonly requestId: string;
  readonly tokenIds: readonly number[];
  readonly logprobs?: readonly TokenLogprob[];
  readonly finishReason?: FinishReason;
  readonly numPromptTokens: number;
  /** Prompt tokens served by the prefix cache. */
  readonly numCachedTokens: number;
  /**
   * Only on a prefill-progress output (EngineRequest.reportPrefill; no tokens, no finish): prompt
   * tokens computed or served by the prefix cache so far. Grows with each such output and reaches
   * numPromptTokens just before the first token.
   */
  readonly prefilledTokens?: number;
}

export interface RequestResult {
  readonly id: string;
  readonly completionIds: readonly number[];
  readonly finishReason: FinishReason;
  readonly numPromptTokens: number;
  readonly numCachedTokens: number;
  readonly logprobs?: readonly TokenLogprob[];
  /** (vocab) logits of the first output token, when the request asked for them. */
  readonly firstLogits?: Float32Array;
}

export interface StepStats {
  readonly step: number;
  readonly running: number;
  readonly waiting: number;
  /** Sequences with rows in this step, and how many of them sampled a token. */
  readonly scheduledSeqs: number;
  readonly sampledSeqs: number;
  readonly batchedTokens: number;
  readonly blocksUsed: number;
  readonly blocksFree: number;
  readonly prefixHitTokens: number;
  readonly preemptions: number;
  /** From scheduling the step to postprocessing it (pipelined: the next step overlaps it). */
  readonly durationMs: number;
  /** CPU time the engine spent on this step: scheduling, building, encoding, postprocessing. */
  readonly cpuMs: number;
  /** Tokens sampled for requests that had finished or were aborted meanwhile (pipelining), dropped. */
  readonly discardedTokens: number;
}

export interface EngineStats {
  readonly steps: number;
  readonly running: number;
  readonly waiting: number;
  /** The most requests running at once so far; never below `running` of the same snapshot. */
  readonly maxRunning: number;
  readonly blocksTotal: number;
  readonly blocksUsed: number;
  readonly blocksFree: number;
  readonly blockSize: number;
  readonly prefixCacheHitTokens: number;
  readonly promptTokens: number;
  readonly generatedTokens: number;
  /** Sampled, then dropped: the request had finished or been aborted (pipelined decoding). */
  readonly discardedTokens: number;
  readonly preemptions: number;
  readonly finishedRequests: number;
  readonly abortedRequests: number;
  /**
   * Steps that only decoded: every row one output token of a request sampling its next, no
   * prompt chunk beside them. Decode throughput is decodeTokens / decodeMs (per ms).
   */
  readonly decodeSteps: number;
  /** Tokens sampled and kept (not discarded) in decode-only steps. */
  readonly decodeTokens: number;
  /**
   * Time attributed to decode-only steps: each counts the smaller of its durationMs and the time
   * since the previous step was postprocessed, so back-to-back pipelined steps count their real
   * period (their durations overlap) and a step after an idle gap counts only its own duration.
   */
  readonly decodeMs: number;
  /** Arrival to first sampled token, per request (vLLM's time_to_first_token_seconds). */
  readonly timeToFirstTokenSeconds: HistogramSnapshot;
  /** Between a request's consecutive tokens (vLLM's inter_token_latency_seconds). */
  readonly interTokenLatencySeconds: HistogramSnapshot;
  readonly last: StepStats | undefined;
}
