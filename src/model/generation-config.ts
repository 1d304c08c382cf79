/**
 * generation_config.json → the model's default sampling values and stop ids. A request's own
 * values win over these; a field is only set when the file has it (exactOptionalPropertyTypes).
 */
import { LlmError } from '../errors.ts';
import { readTokenIdList } from './config.ts';

export interface GenerationConfig {
  eosTokenIds: number[];
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  repetitionPenalty?: number;
  doSample?: boolean;
}

const FILE = 'generation_config.json';

export function parseGenerationConfig(json: unknown): GenerationConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new LlmError('invalid_config', `${FILE}: not a JSON object`, FILE);
  }
  const fields = json as Record<string, unknown>;
  const config: GenerationConfig = { eosTokenIds: readTokenIdList(fields, 'eos_token_id', FILE) };

  const temperature = readNumber(fields, 'temperature', (v) => v >= 0);
  if (temperature !== undefined) config.temperature = temperature;
  const topP = readNumber(fields, 'top_p', (v) => v > 0 && v <= 1);
  if (topP !== undefined) config.topP = topP;
  // HF writes top_k 0 to mean "off"; keep the value and let sampling treat ≤ 0 as disabled.
  const topK = readNumber(fields, 'top_k', Number.isInteger);
  if (topK !== undefined) config.topK = topK;
  const minP = readNumber(fields, 'min_p', (v) => v >= 0 && v <= 1);
  if (minP !== undefined) config.minP = minP;
  const repetitionPenalty = readNumber(fields, 'repetition_penalty', (v) => v > 0);
  if (repetitionPenalty !== undefined) config.repetitionPenalty = repetitionPenalty;

  const doSample = fields['do_sample'];
  if (doSample !== undefined && doSample !== null) {
    if (typeof doSample !== 'boolean') fail('do_sample', 'must be a boolean');
    config.doSample = doSample;
  }
  return config;
}

function readNumber(fields: Record<string, unknown>, field: string, valid: (value: number) => boolean): number | undefined {
  const value = fields[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) {
    fail(field, `has an invalid value ${JSON.stringify(value)}`);
  }
  return value;
}

function fail(field: string, why: string): never {
  throw new LlmError('invalid_config', `${FILE}: field "${field}" ${why}`, field);
}
