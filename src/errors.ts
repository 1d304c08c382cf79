/**
 * Typed errors. Each carries a stable `code` and survives structured clone / postMessage as a
 * plain object (`toJSON`), so guards check `name` and `code` rather than `instanceof`.
 */
export type ErrorCode =
  | 'invalid_config'
  | 'unsupported_architecture'
  | 'unsupported_option'
  | 'missing_file'
  /** A model host could not be reached (offline, DNS, refused, reset mid-download): nothing was read. */
  | 'network_error'
  | 'truncated_file'
  | 'invalid_safetensors'
  | 'unknown_dtype'
  | 'tensor_shape_mismatch'
  | 'missing_tensor'
  /** A checkpoint tensor the config does not account for (e.g. a layer beyond num_hidden_layers). */
  | 'unexpected_tensor'
  /** A weight that is NaN or ±Inf, or a float too large for the f16 the runtime keeps weights in. */
  | 'non_finite_weight'
  /** The model produced NaN or infinite logits for a request; that request ends, the others go on. */
  | 'numerical_error'
  | 'no_tokenizer'
  | 'webgpu_unavailable'
  | 'adapter_insufficient'
  | 'invalid_argument'
  | 'context_length_exceeded'
  | 'aborted'
  /** A remote server refused the API key (HTTP 401 or 403). */
  | 'authentication_failed'
  /** A remote server failed or is overloaded (HTTP 429 or 5xx) without saying which of our codes applies. */
  | 'server_error'
  /** The grammar runtime (XGrammar's wasm) failed and was replaced; the request's grammar is lost. */
  | 'constraint_runtime_failed';

/** Codes that mean the request itself was wrong (HTTP 400). */
const clientErrors: ReadonlySet<ErrorCode> = new Set(['invalid_argument', 'context_length_exceeded']);

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

  /** OpenAI's name for the field at fault (the SDK's `APIError.param`). */
  get param(): string | null {
    return this.subject ?? null;
  }

  /** The HTTP status an OpenAI-compatible server answers this error with. */
  get status(): number {
    if (clientErrors.has(this.code)) return 400;
    return this.code === 'aborted' ? 499 : this.code === 'authentication_failed' ? 401 : 500;
  }

  /** The OpenAI error body: `{ error: { message, type, param, code } }`. */
  get error(): { message: string; type: string; param: string | null; code: string } {
    return { message: this.message, type: this.status < 500 ? 'invalid_request_error' : 'server_error', param: this.param, code: this.code };
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
