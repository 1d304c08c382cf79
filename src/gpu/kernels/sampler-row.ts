/**
 * What the GPU sampler needs to pick one sampled row's next token: the request's sampling
 * parameters, its seed and where in its output it is (so the choice depends on neither the batch
 * nor preemption), and the sparse list of tokens whose logits are penalised or biased.
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
}

/** Most top logprobs one row may ask for (OpenAI's limit). */
export const maxTopLogprobs = 20;
