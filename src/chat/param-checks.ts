/**
 * Checks on one request field at a time, shared by the chat and completions parsers and by prompt
 * building: type guards, an optional field of a given type, and the `invalid_argument` error
 * whose message starts with the field (`temperature: must be …`), as vLLM's server answers.
 */
import { LlmError } from '../errors.ts';
import { showValue } from '../shown-value.ts';

type Params = Record<string, unknown>;

export function invalidParam(param: string, message: string): LlmError {
  return new LlmError('invalid_argument', `${param}: ${message}`, param);
}

/** A value as error messages quote it (cut short, never a throw). */
export const show = showValue;

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
export const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);
export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
export const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * The field's value when set (null counts as unset), else undefined; throws naming the field (or
 * `path`, its full name inside a nested object) when it fails `check`.
 */
export function optional<T>(params: Params, field: string, check: (value: unknown) => value is T, expected: string, path = field): T | undefined {
  const value = params[field];
  if (value === undefined || value === null) return undefined;
  if (!check(value)) throw invalidParam(path, `must be ${expected}, got ${show(value)}`);
  return value;
}

export function positiveInteger(params: Params, field: string): number | undefined {
  const value = optional(params, field, isInteger, 'an integer');
  if (value !== undefined && value < 1) throw invalidParam(field, `must be at least 1, got ${value}`);
  return value;
}

/** `{ [key]: value }` when value is set, so optional fields stay absent (exactOptionalPropertyTypes). */
export function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
