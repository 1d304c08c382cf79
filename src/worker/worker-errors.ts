/**
 * Comlink sends a thrown Error across a worker boundary as name, message and stack only; this
 * handler also carries an LlmError's `code` and `subject` and rebuilds an LlmError on the other
 * side, so callers can branch on `code`. Both sides install it (installing twice is harmless).
 */
import * as Comlink from 'comlink';
import { LlmError, isLlmError, type ErrorCode } from '../errors.ts';

interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly code?: ErrorCode;
  readonly subject?: string | undefined;
}

type ThrownValue = { value: unknown };

const original = Comlink.transferHandlers.get('throw') as Comlink.TransferHandler<ThrownValue, unknown> | undefined;

const handler: Comlink.TransferHandler<ThrownValue, SerializedError | { notError: unknown }> = {
  canHandle: (value: unknown): value is ThrownValue => original?.canHandle(value) ?? false,
  serialize({ value }) {
    if (isLlmError(value)) {
      return [{ name: value.name, message: value.message, stack: value.stack, code: value.code, subject: value.subject }, []];
    }
    if (value instanceof Error) return [{ name: value.name, message: value.message, stack: value.stack }, []];
    return [{ notError: value }, []];
  },
  deserialize(serialized) {
    if ('notError' in serialized) throw serialized.notError;
    if (serialized.name === 'LlmError' && serialized.code !== undefined) throw new LlmError(serialized.code, serialized.message, serialized.subject);
    const error = new Error(serialized.message);
    error.name = serialized.name;
    if (serialized.stack !== undefined) error.stack = serialized.stack;
    throw error;
  },
};

export function installErrorTransfer(): void {
  Comlink.transferHandlers.set('throw', handler as Comlink.TransferHandler<unknown, unknown>);
}
