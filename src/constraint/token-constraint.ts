/**
 * A request's decoding constraint as the engine sees it: before each sampled token, a bitmask of
 * the tokens the grammar allows; after it, the token, which moves the grammar on. One per
 * request, made by a `ConstraintCompiler` (one per loaded model, it knows the vocabulary).
 */
import { tokenMaskWords } from '../gpu/kernels/sampler-row.ts';
import type { ConstraintSpec } from './constraint-spec.ts';

export interface TokenConstraint {
  /**
   * Writes the allowed next tokens: bit (id & 31) of word (id >> 5) set = allowed;
   * mask.length = ceil(vocabSize / 32). Once terminated, nothing is allowed.
   */
  fillNextTokenBitmask(mask: Uint32Array): void;
  /** Advances past `id`; false (state unchanged) when the grammar does not allow it. */
  acceptToken(id: number): boolean;
  /** The grammar is complete and a stop token was accepted. */
  isTerminated(): boolean;
  /** Frees the matcher; idempotent. */
  dispose(): void;
  /**
   * Pending until the mask after the last accepted token is known (a grammar on another thread
   * answers asynchronously); rejects when the grammar was lost. Undefined when ready now.
   */
  ready?(): Promise<void> | undefined;
  /** Whether the output is still in free text before a tool call (a stop token there ends nothing). */
  inFreeText?(): boolean;
}

export interface ConstraintCompiler {
  /**
   * A fresh constraint at the start of the spec's grammar; LlmError 'invalid_argument' for a bad
   * spec. Asynchronous where the grammar runs on its own thread.
   */
  compile(spec: ConstraintSpec): TokenConstraint | Promise<TokenConstraint>;
  /** Frees the grammar runtime; a promise where it runs on a thread that must exit first. */
  dispose(): void | Promise<void>;
}

/** Words of a token bitmask over `vocabSize` tokens (the GPU sampler's mask format). */
export const maskWords = tokenMaskWords;

/** Whether `mask` allows token `id`. */
export function maskAllows(mask: Uint32Array, id: number): boolean {
  return (((mask[id >>> 5] ?? 0) >>> (id & 31)) & 1) === 1;
}
