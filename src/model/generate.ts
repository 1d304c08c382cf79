/**
 * Greedy generation for one sequence: prefill the prompt (in chunks of at most the step's token
 * budget), then decode token by token — each step one submission and one readback of the sampled
 * id. The batching engine builds on the same ModelRunner with many sequences per step.
 */
import { LlmError } from '../errors.ts';
import type { LoadedModel } from './load-model.ts';
import { checkContextLength, checkPromptIds } from './prompt-limits.ts';
import type { StepBatch } from './step-batch.ts';

export interface GenerateOptions {
  readonly promptIds: readonly number[];
  readonly maxTokens: number;
  /** Called with each new token id as soon as it is read back. */
  readonly onToken?: (tokenId: number) => void;
  /** Extra ids that end generation (the model's EOS ids always do unless ignoreEos). */
  readonly stopTokenIds?: readonly number[];
  readonly ignoreEos?: boolean;
  /** Also return the logits that chose the first completion token. */
  readonly returnFirstLogits?: boolean;
}

export interface GenerateResult {
  readonly completionIds: number[];
  readonly finishReason: 'stop' | 'length';
  readonly firstLogits: Float32Array | undefined;
}

export async function generate(model: LoadedModel, options: GenerateOptions): Promise<GenerateResult> {
  const { promptIds, maxTokens } = options;
  validate(model, promptIds, maxTokens);
  const { blockSize } = model.kvCache;
  const { maxTokens: chunkSize, maxBlocksPerSeq } = model.runner.limits;
  // One sequence owns blocks 0, 1, 2, … in order; the block manager generalises this.
  const blockTables = Uint32Array.from({ length: maxBlocksPerSeq }, (_, i) => i);
  const stopIds = new Set([...(options.ignoreEos === true ? [] : model.generationConfig.eosTokenIds), ...(options.stopTokenIds ?? [])]);
  const completionIds: number[] = [];
  let firstLogits: Float32Array | undefined;
  let pending = [...promptIds];
  let position = 0;
  while (completionIds.length < maxTokens) {
    const chunk = pending.slice(0, chunkSize);
    pending = pending.slice(chunk.length);
    const positions = chunk.map((_, i) => position + i);
    const batch: StepBatch = {
      tokenIds: chunk,
      positions,
      slotMapping: positions,
      tokenSeq: new Uint32Array(chunk.length),
      blockTables,
      sampleRows: pending.length === 0 ? [chunk.length - 1] : [],
    };
    position += chunk.length;
    const wantLogits = options.returnFirstLogits === true && completionIds.length === 0;
    const output = await model.runner.step(batch, { readLogits: wantLogits });
    if (pending.length > 0) continue;
    if (wantLogits) firstLogits = output.logits;
    const next = output.tokenIds[0]!;
    completionIds.push(next);
    options.onToken?.(next);
    if (stopIds.has(next)) return { completionIds, finishReason: 'stop', firstLogits };
    pending = [next];
  }
  return { completionIds, finishReason: 'length', firstLogits };
}

function validate(model: LoadedModel, promptIds: readonly number[], maxTokens: number): void {
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new LlmError('invalid_argument', `maxTokens must be a positive integer, got ${maxTokens}`, 'maxTokens');
  }
  checkPromptIds(model, promptIds);
  checkContextLength(model, promptIds.length, maxTokens);
}
