/**
 * One request's state inside the engine: its tokens (prompt, then output), how many of them have
 * KV in the cache, its blocks, and why it finished. A preempted sequence keeps its output and
 * recomputes its KV later, so `tokens` — not just the prompt — is what gets prefilled.
 */
import type { TokenConstraint } from '../constraint/token-constraint.ts';
import type { BlockKey } from './block-hash.ts';
import type { BlockOwner } from './block-manager.ts';
import type { ResolvedSampling } from './sampling-params.ts';

export type FinishReason = 'stop' | 'length' | 'abort';
export type SequenceStatus = 'waiting' | 'running' | 'finished';

export class Sequence implements BlockOwner {
  readonly tokens: number[];
  readonly blockTable: number[] = [];
  readonly blockKeys: BlockKey[] = [];
  status: SequenceStatus = 'waiting';
  /** Leading tokens whose K and V are in the cache (computed, or reused from the prefix cache). */
  numComputedTokens = 0;
  /** Prompt tokens served by the prefix cache at first admission. */
  numCachedPromptTokens = 0;
  finishReason: FinishReason | undefined;
  /** Output token → times generated, for frequency and presence penalties. */
  readonly outputCounts = new Map<number, number>();
  /**
   * Tokens sampled on the GPU but not read back yet (pipelined decoding): a launched step sampled
   * them, and the next step may already compute them, fed from the sampler's output on the GPU.
   */
  numPendingTokens = 0;
  /** Sample row of this sequence in the most recently launched step (where a pending token is). */
  lastSampleRow = -1;
  /** Ids that end the output: EOS (unless ignoreEos) and stopTokenIds. */
  readonly stopIds: ReadonlySet<number>;

  constructor(
    readonly id: string,
    readonly promptIds: readonly number[],
    readonly sampling: ResolvedSampling,
    eosTokenIds: readonly number[],
    /** Order of arrival; running sequences keep it, so the latest admitted is preempted first. */
    readonly arrival: number,
    /** The grammar its output follows; its state moves with each appended token (and survives preemption). */
    readonly constraint?: TokenConstraint,
  ) {
    this.tokens = [...promptIds];
    this.stopIds = new Set([...(sampling.ignoreEos ? [] : eosTokenIds), ...sampling.stopTokenIds]);
  }

  get numPromptTokens(): number {
    return this.promptIds.length;
  }

  get numOutputTokens(): number {
    return this.tokens.length - this.promptIds.length;
  }

  get outputIds(): number[] {
    return this.tokens.slice(this.promptIds.length);
  }

  /** Known tokens and pending ones. */
  get numTokens(): number {
    return this.tokens.length + this.numPendingTokens;
  }

  /** Tokens still to run before the next one can be sampled. */
  get numUncomputedTokens(): number {
    return this.numTokens - this.numComputedTokens;
  }

  /** Whether its pending token is certain to be its last (max_tokens): nothing after it is worth running. */
  get endsWithPendingToken(): boolean {
    return this.numPendingTokens > 0 && this.numOutputTokens + this.numPendingTokens >= this.sampling.maxTokens;
  }

  /** Appends a sampled token and says whether the sequence is done. */
  appendToken(id: number): FinishReason | undefined {
    this.tokens.push(id);
    if (this.numPendingTokens > 0) this.numPendingTokens--;
    this.outputCounts.set(id, (this.outputCounts.get(id) ?? 0) + 1);
    // A complete grammar allows nothing more (its stop token may be ignored with ignoreEos).
    if (this.stopIds.has(id) || this.constraint?.isTerminated() === true) return 'stop';
    if (this.numOutputTokens >= this.sampling.maxTokens) return 'length';
    return undefined;
  }
}
