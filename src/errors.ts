/**
 * Typed errors. Each carries a stable `code` and survives structured clone / postMessage as a
 * plain object (`toJSON`), so guards check `name` and `code` rather than `instanceof`.
 */
export type ErrorCode =
  | 'invalid_config'
  | 'unsupported_architecture'
  | 'unsupported_option'
  | 'missing_file'
  | 'truncated_file'
  | 'invalid_safetensors'
  | 'unknown_dtype'
  | 'tensor_shape_mismatch'
  | 'missing_tensor'
  | 'no_tokenizer'
  | 'webgpu_unavailable'
  | 'adapter_insufficient'
  | 'invalid_argument'
  | 'context_length_exceeded'
  | 'aborted';

export class LlmError extends Error {
  override readonly name = 'LlmError';
  readonly code: ErrorCode;
  /** The file, tensor or field the error is about, when there is one. */
  readonly subject: string | undefined;

  constructor(code: ErrorCode, message: string, subject?: string) {
    super(message);
    this.code = code;
    this.subject = subject;
  }

  toJSON(): { name: string; code: ErrorCode; message: string; subject: string | undefined } {
    return { name: this.name, code: this.code, message: this.message, subject: this.subject };
  }
}

/** True for an LlmError, also one that crossed a worker boundary as a plain object. */
export function isLlmError(value: unknown, code?: ErrorCode): value is LlmError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  return candidate.name === 'LlmError' && (code === undefined || candidate.code === code);
}
