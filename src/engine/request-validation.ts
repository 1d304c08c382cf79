/**
 * Checks a request before it enters the engine, so a bad one is refused with a typed error naming
 * the field and never takes blocks or disturbs the batch.
 */
import { LlmError } from '../errors.ts';
import type { LoadedModel } from '../model/load-model.ts';
import type { EngineRequest } from './engine-types.ts';
import { resolveSampling, type ResolvedSampling } from './sampling-params.ts';

const requestFields = new Set(['id', 'promptIds', 'sampling']);

export function validateRequest(
  request: EngineRequest,
  model: LoadedModel,
  numBlocks: number,
  blockSize: number,
  randomSeed: () => number,
): ResolvedSampling {
  if (typeof request !== 'object' || request === null) throw new LlmError('invalid_argument', 'a request must be an object', 'request');
  const unknown = Object.keys(request).find((key) => !requestFields.has(key));
  if (unknown !== undefined) throw new LlmError('invalid_argument', `unknown request field "${unknown}" (known: id, promptIds, sampling)`, unknown);
  if (typeof request.id !== 'string' || request.id.length === 0) throw new LlmError('invalid_argument', 'id must be a non-empty string', 'id');
  const { promptIds } = request;
  if (!Array.isArray(promptIds) || promptIds.length === 0) throw new LlmError('invalid_argument', 'promptIds must be a non-empty array of token ids', 'promptIds');
  const vocab = model.config.vocabSize;
  const bad = promptIds.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
  if (bad !== undefined) throw new LlmError('invalid_argument', `prompt token id ${JSON.stringify(bad)} is outside the vocabulary [0, ${vocab})`, 'promptIds');
  const sampling = resolveSampling(request.sampling, model.generationConfig, vocab, randomSeed);
  const needed = promptIds.length + sampling.maxTokens;
  if (needed > model.maxModelLen) {
    throw new LlmError(
      'context_length_exceeded',
      `this model's maximum context length is ${model.maxModelLen} tokens; the prompt has ${promptIds.length} and maxTokens asks for ${sampling.maxTokens} more`,
      'maxTokens',
    );
  }
  if (Math.ceil(needed / blockSize) > numBlocks) {
    throw new LlmError(
      'context_length_exceeded',
      `the prompt (${promptIds.length} tokens) plus maxTokens (${sampling.maxTokens}) needs more than the KV cache's ${numBlocks * blockSize} tokens`,
      'maxTokens',
    );
  }
  return sampling;
}
