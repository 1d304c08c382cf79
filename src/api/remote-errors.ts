/**
 * A remote server's failures as the same LlmError codes a local engine throws: the server's own
 * code when it is one of ours (this project's serve sends them), else by HTTP status as vLLM and
 * OpenAI use them; a connection that never answered is `network_error` naming the host.
 */
import { LlmError, type ErrorCode } from '../errors.ts';

/** Every ErrorCode; `satisfies` makes the compiler fail here when a code is added or removed. */
const ourCodes = {
  invalid_config: true, unsupported_architecture: true, unsupported_option: true, missing_file: true, network_error: true,
  truncated_file: true, invalid_safetensors: true, unknown_dtype: true, tensor_shape_mismatch: true, missing_tensor: true,
  unexpected_tensor: true, non_finite_weight: true, numerical_error: true, no_tokenizer: true, webgpu_unavailable: true,
  adapter_insufficient: true, invalid_argument: true, context_length_exceeded: true, aborted: true,
  authentication_failed: true, server_error: true, constraint_runtime_failed: true,
} satisfies Record<ErrorCode, true>;

const isOurCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ourCodes, code);

/** The request a failure belongs to, for messages. */
export interface RemoteCall {
  readonly method: string;
  readonly url: URL;
}

interface ErrorFields {
  readonly message: string | undefined;
  readonly param: string | undefined;
  readonly code: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The fields of an error body: OpenAI's `{error: {message, param, code}}`, vLLM's older top-level
 * `{object: 'error', message, code}`, or FastAPI's validation `{detail: [{loc, msg}]}` (a 422).
 */
function errorFields(body: unknown): ErrorFields {
  if (!isObject(body)) return { message: undefined, param: undefined, code: undefined };
  const inner = isObject(body['error']) ? body['error'] : body;
  if (text(inner['message']) !== undefined) return { message: text(inner['message']), param: text(inner['param']), code: inner['code'] };
  const detail = body['detail'];
  if (Array.isArray(detail) && isObject(detail[0])) {
    const location = Array.isArray(detail[0]['loc']) ? detail[0]['loc'].filter((part) => part !== 'body').join('.') : undefined;
    return { message: text(detail[0]['msg']), param: text(location), code: undefined };
  }
  return { message: text(detail), param: undefined, code: undefined };
}

/**
 * The LlmError for an error answer: `status` is the HTTP status, or undefined for an error event
 * inside a stream (vLLM then puts the status in `code`). `raw` is the body when it was not JSON.
 */
export function remoteError(status: number | undefined, body: unknown, call: RemoteCall, raw = ''): LlmError {
  const { message, param, code } = errorFields(body);
  if (isOurCode(code)) return new LlmError(code, message ?? `${call.url.host} answered ${code}`, param);
  const httpStatus = status ?? (typeof code === 'number' ? code : undefined);
  const said = message ?? (raw.trim().slice(0, 200) || `HTTP ${httpStatus ?? 'error'}`);
  const where = `${call.method} ${call.url.href}`;
  if (httpStatus === 401 || httpStatus === 403) {
    return new LlmError('authentication_failed', `${call.url.host} refused the API key (${httpStatus}): ${said}`, 'apiKey');
  }
  if (httpStatus === 404) {
    // vLLM answers an unknown model with 404; anything else is a route the server does not have.
    const subject = param ?? (/\bmodel\b/i.test(said) ? 'model' : call.url.pathname);
    return new LlmError('invalid_argument', message === undefined ? `${where}: not found (404)` : said, subject);
  }
  if (httpStatus === 413) return new LlmError('invalid_argument', `the request body is too large for ${call.url.host} (413): ${said}`, param);
  if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500 && httpStatus !== 429) {
    // 400 and 422 name the field in the message already; keep it as the server wrote it.
    return new LlmError('invalid_argument', said, param);
  }
  return new LlmError('server_error', `${where} failed (${httpStatus ?? 'error event'}): ${said}`, param);
}

/** The LlmError for a non-2xx response, whatever its body. */
export async function errorFromResponse(response: Response, call: RemoteCall): Promise<LlmError> {
  const raw = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = undefined;
  }
  return remoteError(response.status, body, call, raw);
}

/** A fetch that rejected: the caller's abort, or a server that could not be reached. */
export function fetchFailure(error: unknown, signal: AbortSignal, call: RemoteCall): LlmError {
  if (error instanceof LlmError) return error;
  if (signal.aborted) return new LlmError('aborted', 'the request was aborted');
  // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is its cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const reason = text(cause?.code) ?? text(cause?.message) ?? (error instanceof Error ? error.message : String(error));
  return new LlmError('network_error', `could not reach ${call.url.host} (${call.method} ${call.url.href}): ${reason}`, call.url.host);
}
