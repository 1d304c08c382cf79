/**
 * The tool runner's own options, checked once when a run starts, with defaults filled in. Each
 * refusal is a 400 naming the option. Timeouts above what `setTimeout` can hold are clamped: a
 * larger delay overflows its 32-bit counter and fires at once.
 */
import { LlmError } from '../errors.ts';
import type { ToolRunnerOptions } from './tool-types.ts';

/** The longest delay `setTimeout` honours (about 24.8 days). */
export const maxTimeoutMs = 2 ** 31 - 1;

export interface RunnerLimits {
  readonly maxRounds: number;
  readonly toolTimeoutMs: number;
  readonly maxToolResultChars: number;
  readonly maxToolArgumentsChars: number;
}

export const runnerDefaults: RunnerLimits = {
  maxRounds: 10,
  toolTimeoutMs: 30_000,
  maxToolResultChars: 16_384,
  maxToolArgumentsChars: 65_536,
};

/** A timeout in ms (undefined when not given): a positive finite number, clamped to what `setTimeout` can hold. */
export function timeoutOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new LlmError('invalid_argument', `${name} must be a positive finite number of milliseconds, got ${describe(value)}`, name);
  }
  return Math.min(value, maxTimeoutMs);
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new LlmError('invalid_argument', `${name} must be a positive integer, got ${describe(value)}`, name);
  }
  return value;
}

/** Checks the runner's own options; returns them with defaults filled in. */
export function runnerOptions(options: ToolRunnerOptions, defaults: RunnerLimits = runnerDefaults): RunnerLimits {
  return {
    maxRounds: positiveInteger(options.maxRounds, 'maxRounds', defaults.maxRounds),
    toolTimeoutMs: timeoutOption(options.toolTimeoutMs, 'toolTimeoutMs') ?? defaults.toolTimeoutMs,
    maxToolResultChars: positiveInteger(options.maxToolResultChars, 'maxToolResultChars', defaults.maxToolResultChars),
    maxToolArgumentsChars: positiveInteger(options.maxToolArgumentsChars, 'maxToolArgumentsChars', defaults.maxToolArgumentsChars),
  };
}

/** A value in an error message: short, printable, whatever it is. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
