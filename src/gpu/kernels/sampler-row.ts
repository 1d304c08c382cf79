/**
 * What the GPU sampler needs to pick one sampled row's next token: the request's sampling
 * parameters, its seed and where in its output it is (so the choice depends on neither the batch
 * nor preemption), the sparse list of tokens whose logits are penalised or biased, and for a
 * constrained request the tokens its grammar allows.
 */
export interface PenaltyEntry {
  readonly token: number;
  /** Times the token occurs in the output so far (frequency / presence penalty). */
  readonly outputCount: number;
  /** Whether the token occurs in the prompt or the output (repetition penalty). */
  readonly seen: boolean;
  /** Added to the logit before penalties (OpenAI logit_bias). */
  readonly bias: number;
}

export interface SamplerRow {
  /** 0 = greedy (argmax, ties to the lowest id). */
  readonly temperature: number;
  /** (0, 1]; 1 = off. */
  readonly topP: number;
  /** 0 = off. */
  readonly topK: number;
  /** [0, 1]; 0 = off. */
  readonly minP: number;
  /** > 0; 1 = off. */
  readonly repetitionPenalty: number;
  readonly presencePenalty: number;
  readonly frequencyPenalty: number;
  /** 64-bit seed as two unsigned 32-bit halves. */
  readonly seedLo: number;
  readonly seedHi: number;
  /** Index of the token being sampled within the request's output (0 for the first). */
  readonly counter: number;
  /** Top logprobs to return, 0–20 (the sampled token's logprob is always returned). */
  readonly numLogprobs: number;
  /** Unique tokens only. */
  readonly entries: readonly PenaltyEntry[];
  /**
   * Allowed tokens (constrained decoding), tokenMaskWords(vocab) words: token t is allowed iff bit
   * (t & 31) of word (t >> 5) is set. Others are excluded before bias, penalties and filters.
   */
  readonly mask?: Uint32Array;
}

/** Words of a token bitmask over `vocab` tokens. */
export function tokenMaskWords(vocab: number): number {
  return Math.ceil(vocab / 32);
}

/** Most top logprobs one row may ask for (OpenAI's limit). */
export const maxTopLogprobs = 20;
