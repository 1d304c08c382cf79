/**
 * A `fetch` that answers OpenAI HTTP requests from a `ChatApi` in the page, so an HTTP client (the
 * `openai` package, or anything that takes a fetch) can talk to the engine without a server:
 * `POST …/chat/completions`, `POST …/completions` and `POST …/responses` (JSON, or SSE with
 * `stream: true`), `GET …/responses/{id}` and `GET …/models`. Errors come back as OpenAI's `{error: {message, type, param, code}}` with the
 * status vLLM would use; an aborted request rejects like fetch does, and its signal reaches
 * `create` so the engine frees the request.
 */
import { isLlmError, LlmError } from '../errors.ts';
import type { ChatApi, ChatCompletionCreateParams, RequestOptions } from '../chat/chat-types.ts';
import type { CompletionCreateParams, CompletionsApi } from '../chat/completion-types.ts';
import { createResponses, type ResponsesService } from './responses/responses-service.ts';
import { responsesSseStream } from './responses/responses-sse.ts';
import type { ResponseCreateParams } from './responses/responses-types.ts';
import { sseStream } from './sse.ts';

export interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const errorJson = (status: number, error: OpenAIErrorBody) => json(status, { error });

const invalidRequest = (message: string, param: string | null = null): OpenAIErrorBody =>
  ({ message, type: 'invalid_request_error', param, code: null });

const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Status and OpenAI error body for whatever `create` or `list` threw. */
export function describeError(error: unknown): { status: number; error: OpenAIErrorBody } {
  if (isLlmError(error)) {
    // It may have crossed a worker as a plain object: rebuild it for its OpenAI view.
    const plain = error as { code: LlmError['code']; message: string; subject?: string };
    const typed = error instanceof LlmError ? error : new LlmError(plain.code, plain.message, plain.subject);
    return { status: typed.status, error: typed.error };
  }
  const candidate = (typeof error === 'object' && error !== null ? error : {}) as { status?: unknown; error?: unknown; param?: unknown; code?: unknown };
  const given = typeof candidate.status === 'number' && candidate.status >= 400 && candidate.status <= 599 ? candidate.status : undefined;
  const inner = candidate.error as { message?: unknown; type?: unknown; param?: unknown; code?: unknown } | undefined;
  if (typeof inner === 'object' && inner !== null && typeof inner.message === 'string') {
    // Already OpenAI-shaped (e.g. an `openai` APIError from a proxied ChatApi): keep its fields.
    const status = given ?? 400;
    const type = stringOrNull(inner.type) ?? (status < 500 ? 'invalid_request_error' : 'server_error');
    return { status, error: { message: inner.message, type, param: stringOrNull(inner.param), code: stringOrNull(inner.code) } };
  }
  if (given !== undefined) {
    const type = given < 500 ? 'invalid_request_error' : 'server_error';
    return { status: given, error: { message: messageOf(error), type, param: stringOrNull(candidate.param), code: stringOrNull(candidate.code) } };
  }
  return { status: 500, error: { message: messageOf(error), type: 'server_error', param: null, code: null } };
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** The request's parts, from a URL or Request plus init, as fetch combines them. */
async function readRequest(input: RequestInfo | URL, init: RequestInit | undefined) {
  const request = input instanceof Request ? input : undefined;
  // A relative URL resolves against the page; outside one any base will do, only the path matters.
  const base = (globalThis as { location?: { href?: string } }).location?.href ?? 'http://localhost/';
  const url = new URL(request?.url ?? String(input), base);
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const signal = init?.signal ?? request?.signal ?? undefined;
  const readBody = async () =>
    init?.body !== undefined && init.body !== null ? new Response(init.body).text() : (request?.text() ?? Promise.resolve(''));
  return { path: url.pathname.replace(/\/+$/, ''), method, signal, readBody };
}

type Create = (params: unknown, options: RequestOptions) => Promise<unknown>;

/**
 * `api` without `completions` (a chat-only ChatApi) answers POST …/completions with 404; one
 * without `responses` gets Responses built on its chat completions.
 */
export function createOpenAIFetch(api: ChatApi & Partial<CompletionsApi> & { readonly responses?: ResponsesService }): typeof fetch {
  const chat: Create = (params, options) => api.chat.completions.create(params as ChatCompletionCreateParams, options);
  const { completions } = api;
  const complete: Create | undefined = completions === undefined ? undefined : (params, options) => completions.create(params as CompletionCreateParams, options);
  const responses = api.responses ?? createResponses(api);
  const respond: Create = (params, options) => responses.create(params as ResponseCreateParams, options);
  const openAIFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const { path, method, signal, readBody } = await readRequest(input, init);
    signal?.throwIfAborted();
    if (path.endsWith('/chat/completions')) {
      if (method === 'POST') return serveCreate(chat, await readBody(), signal);
    } else if (path.endsWith('/responses') && method === 'POST') {
      return serveCreate(respond, await readBody(), signal, responsesSseStream);
    } else if (/\/responses\/[^/]+$/.test(path) && method === 'GET') {
      return serveRead(() => responses.retrieve(decodeURIComponent(path.slice(path.lastIndexOf('/') + 1))));
    } else if (path.endsWith('/completions') && method === 'POST' && complete !== undefined) {
      return serveCreate(complete, await readBody(), signal);
    }
    if (path.endsWith('/models') && method === 'GET') return serveRead(() => api.models.list());
    return errorJson(404, invalidRequest(`no route for ${method} ${path}`));
  };
  return openAIFetch as typeof fetch;
}

async function serveRead(read: () => Promise<unknown>): Promise<Response> {
  try {
    return json(200, await read());
  } catch (error) {
    const { status, error: body } = describeError(error);
    return errorJson(status, body);
  }
}

/** How a stream goes over the wire: chat's `data:` events and `[DONE]`, or Responses' typed events. */
type SseFraming = (source: AsyncIterable<never>, options: Parameters<typeof sseStream>[1]) => ReadableStream<Uint8Array>;

/** A chat or text completion or a response: JSON in, JSON or SSE out, errors as OpenAI bodies before any byte. */
async function serveCreate(create: Create, text: string, signal: AbortSignal | undefined, framing: SseFraming = sseStream): Promise<Response> {
  let params: unknown;
  try {
    params = JSON.parse(text);
  } catch (error) {
    return errorJson(400, invalidRequest(`the request body is not valid JSON: ${messageOf(error)}`));
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return errorJson(400, invalidRequest('the request body must be a JSON object'));
  }
  // Our own controller: cancelling the response body must abort the request too.
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const release = () => signal?.removeEventListener('abort', onAbort);
  try {
    const result = await create(params, { signal: controller.signal });
    if (!isAsyncIterable(result)) {
      release();
      return json(200, result);
    }
    const body = framing(result as AsyncIterable<never>, {
      signal: controller.signal,
      errorEvent: (error) => ({ error: describeError(error).error }),
      onCancel: (reason) => controller.abort(reason),
      onEnd: release,
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } });
  } catch (error) {
    release();
    if (controller.signal.aborted) throw controller.signal.reason; // as fetch rejects on abort
    const { status, error: body } = describeError(error);
    return errorJson(status, body);
  }
}
