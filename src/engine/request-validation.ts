/**
 * Checks a request before it enters the engine, so a bad one is refused with a typed error naming
 * the field and never takes blocks or disturbs the batch.
 */
import { LlmError } from '../errors.ts';
import type { LoadedModel } from '../model/load-model.ts';
import { checkContextLength, checkPromptIds } from '../model/prompt-limits.ts';
import type { EngineRequest } from './engine-types.ts';
import { resolveSampling, type ResolvedSampling } from './sampling-params.ts';

const requestFields = new Set(['id', 'promptIds', 'sampling', 'constraint', 'returnFirstLogits', 'reportPrefill']);

export function validateRequest(request: EngineRequest, model: LoadedModel, randomSeed: () => number): ResolvedSampling {
  if (typeof request !== 'object' || request === null) throw new LlmError('invalid_argument', 'a request must be an object', 'request');
  const unknown = Object.keys(request).find((key) => !requestFields.has(key));
  if (unknown !== undefined) throw new LlmError('invalid_argument', `unknown request field "${unknown}" (known: ${[...requestFields].join(', ')})`, unknown);
  if (typeof request.id !== 'string' || request.id.length === 0) throw new LlmError('invalid_argument', 'id must be a non-empty string', 'id');
  if (request.returnFirstLogits !== undefined && typeof request.returnFirstLogits !== 'boolean') {
    throw new LlmError('invalid_argument', 'returnFirstLogits must be a boolean', 'returnFirstLogits');
  }
  if (request.reportPrefill !== undefined && typeof request.reportPrefill !== 'boolean') {
    throw new LlmError('invalid_argument', 'reportPrefill must be a boolean', 'reportPrefill');
  }
  checkPromptIds(model, request.promptIds);
  const sampling = resolveSampling(request.sampling, model.generationConfig, model.config.vocabSize, randomSeed);
  checkContextLength(model, request.promptIds.length, sampling.maxTokens);
  return sampling;
}
