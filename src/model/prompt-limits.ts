/**
 * What any prompt must satisfy before it runs on a loaded model: token ids inside the vocabulary,
 * and the prompt plus the tokens asked for within the context and the KV pool. Shared by the
 * engine's request validation (which generate() goes through too).
 */
import { LlmError } from '../errors.ts';
import type { LoadedModel } from './load-model.ts';

/** A non-empty array of ids inside the model's vocabulary. */
export function checkPromptIds(model: LoadedModel, promptIds: unknown): void {
  if (!Array.isArray(promptIds) || promptIds.length === 0) throw new LlmError('invalid_argument', 'promptIds must be a non-empty array of token ids', 'promptIds');
  const vocab = model.config.vocabSize;
  const bad: unknown = promptIds.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
  if (bad !== undefined) throw new LlmError('invalid_argument', `prompt token id ${JSON.stringify(bad)} is outside the vocabulary [0, ${vocab})`, 'promptIds');
}

/** The prompt and all of maxTokens must fit the model's context and the KV pool. */
export function checkContextLength(model: LoadedModel, promptLength: number, maxTokens: number): void {
  const needed = promptLength + maxTokens;
  if (needed > model.maxModelLen) {
    throw new LlmError(
      'context_length_exceeded',
      `this model's maximum context length is ${model.maxModelLen} tokens; the prompt has ${promptLength} and maxTokens asks for ${maxTokens} more`,
      'maxTokens',
    );
  }
  const { numBlocks, blockSize } = model.kvCache;
  if (Math.ceil(needed / blockSize) > numBlocks) {
    throw new LlmError(
      'context_length_exceeded',
      `the prompt (${promptLength} tokens) plus maxTokens (${maxTokens}) needs more than the KV cache's ${numBlocks * blockSize} tokens`,
      'maxTokens',
    );
  }
}
