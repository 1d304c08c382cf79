/**
 * A ChatBackend that sends every request to an OpenAI-compatible HTTP server (vLLM, or this
 * project's serve), so an LlmEngine over it works as over a local model: chat and completions
 * whole or streamed (SSE read as it arrives), models, stats, abort by key. Aborting a key aborts
 * its HTTP request; the closed connection is how the server learns to stop and free its KV blocks.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Completion } from 'openai/resources/completions';
import type { LoadedInfo } from '../worker/engine-worker.ts';
import { LlmError } from '../errors.ts';
import type { ModelList } from '../chat/chat-types.ts';
import { LlmEngine, type ChatBackend } from './llm-engine.ts';
import { errorFromResponse, fetchFailure, remoteError, type RemoteCall } from './remote-errors.ts';
import { statsFromMetrics, type RemoteEngineStats } from './remote-metrics.ts';
import { readSseData } from './sse-reader.ts';

export interface RemoteEngineOptions {
  /** The server's OpenAI base URL, `/v1` included: `http://host:8000/v1`. */
  readonly baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>` (vLLM's --api-key). */
  readonly apiKey?: string;
  /** The served model name (vLLM's --served-model-name); it must be in the server's model list. */
  readonly model: string;
  /** A fetch to send requests with (a proxy, a test double); default the global one. */
  readonly fetch?: typeof fetch;
  /** More headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

export class RemoteBackend implements ChatBackend {
  private readonly pending = new Map<string, AbortController>();
  /** The base URL with one trailing slash, so relative routes resolve under it. */
  private readonly base: URL;
  private readonly send: typeof fetch;
  private internalKeys = 0;

  constructor(private readonly options: RemoteEngineOptions) {
    this.base = parseBaseURL(options.baseURL);
    // Called through a closure: a browser's fetch throws when called as another object's method.
    this.send = options.fetch ?? ((input, init) => fetch(input, init));
  }

  chat(key: string, params: unknown, onChunks?: (chunks: ChatCompletionChunk[]) => void): Promise<ChatCompletion | undefined> {
    return this.create('chat/completions', key, params, onChunks);
  }

  completions(key: string, params: unknown, onChunks?: (chunks: Completion[]) => void): Promise<Completion | undefined> {
    return this.create('completions', key, params, onChunks);
  }

  abortChat(key: string): boolean {
    const controller = this.pending.get(key);
    controller?.abort();
    return controller !== undefined;
  }

  async models(): Promise<ModelList> {
    return this.keyed(`models ${++this.internalKeys}`, async (signal) => {
      const call = { method: 'GET', url: new URL('models', this.base) };
      const list = await this.json(call, await this.request(call, signal), signal);
      const data = (list as Partial<ModelList> | undefined)?.data;
      if (!Array.isArray(data)) throw remoteError(502, { error: { message: `${call.url.href} did not answer with a model list` } }, call);
      return list as ModelList;
    });
  }

  /**
   * This project's serve reports its engine on `/metrics` (beside `/v1`); another server's
   * metrics have other names and meanings, so reading them is refused rather than guessed.
   */
  async stats(): Promise<RemoteEngineStats> {
    return this.keyed(`stats ${++this.internalKeys}`, async (signal) => {
      const call = { method: 'GET', url: metricsURL(this.base) };
      const response = await this.request(call, signal, { allowStatus: true });
      if (response.status === 401 || response.status === 403) throw await errorFromResponse(response, call);
      const stats = response.ok ? statsFromMetrics(await response.text()) : undefined;
      if (stats === undefined) {
        throw new LlmError('unsupported_option', `${this.base.host} does not report engine statistics (no webgpu_llm metrics at ${call.url.href}); stats() needs this project's serve`, 'stats');
      }
      return stats;
    });
  }

  /** Aborts every request in flight; there is nothing else to free on this side. */
  dispose(): void {
    for (const controller of this.pending.values()) controller.abort();
    this.pending.clear();
  }

  /** POSTs a create request; with `onChunks` reads its SSE body, handing on each chunk as it lands. */
  private create<Result, Chunk>(route: string, key: string, params: unknown, onChunks?: (chunks: Chunk[]) => void): Promise<Result | undefined> {
    return this.keyed(key, async (signal) => {
      const call = { method: 'POST', url: new URL(route, this.base) };
      const response = await this.request(call, signal, { body: JSON.stringify(withModel(params, this.options.model)) });
      if (onChunks === undefined) return (await this.json(call, response, signal)) as Result;
      if (response.body === null) throw remoteError(502, { error: { message: 'the streamed response has no body' } }, call);
      try {
        for await (const data of readSseData(response.body)) {
          if (data === '[DONE]') return undefined;
          const chunk = parseJson(data, call);
          // A failure after the first byte comes as an error event: `{error: {...}}`, or older vLLM's `{object: 'error', ...}`.
          if (isErrorEvent(chunk)) throw remoteError(undefined, chunk, call);
          onChunks([chunk as Chunk]);
        }
      } catch (error) {
        throw fetchFailure(error, signal, call);
      }
      throw fetchFailure(new Error('the stream ended before [DONE]'), signal, call);
    });
  }

  /** Runs `run` under `key` with its own abort controller, so `abortChat(key)` and `dispose` reach it. */
  private async keyed<T>(key: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.pending.has(key)) throw new Error(`request key "${key}" is already in use`);
    const controller = new AbortController();
    this.pending.set(key, controller);
    try {
      return await run(controller.signal);
    } finally {
      this.pending.delete(key);
    }
  }

  /** One HTTP request with the key and headers; a non-2xx answer throws its LlmError unless allowed. */
  private async request(call: RemoteCall, signal: AbortSignal, { body, allowStatus = false }: { body?: string; allowStatus?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream', ...this.options.headers };
    if (this.options.apiKey !== undefined) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.send(call.url, { method: call.method, headers, signal, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      throw fetchFailure(error, signal, call);
    }
    if (!response.ok && !allowStatus) throw await errorFromResponse(response, call);
    return response;
  }

  /** The body as JSON; a body cut off (abort, dropped connection) is reported like a failed fetch. */
  private async json(call: RemoteCall, response: Response, signal: AbortSignal): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw fetchFailure(error, signal, call);
    }
    return parseJson(text, call);
  }
}

const isErrorEvent = (data: unknown) =>
  typeof data === 'object' && data !== null && ('error' in data || (data as { object?: unknown }).object === 'error');

function parseJson(text: string, call: RemoteCall): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw remoteError(502, { error: { message: `${call.url.href} answered with something that is not JSON: ${text.slice(0, 100)}` } }, call);
  }
}

/** The request's own model wins; a request without one goes to the model the engine was made for. */
function withModel(params: unknown, model: string): unknown {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return params;
  return 'model' in params && params.model !== undefined ? params : { ...params, model };
}

function parseBaseURL(baseURL: string): URL {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new LlmError('invalid_argument', `baseURL must be an absolute http(s) URL such as http://localhost:8000/v1, got ${JSON.stringify(baseURL)}`, 'baseURL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LlmError('invalid_argument', `baseURL must use http or https, got ${url.protocol}`, 'baseURL');
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** `/metrics` sits beside the OpenAI routes: `http://host:8000/v1/` → `http://host:8000/metrics`. */
function metricsURL(base: URL): URL {
  return new URL(base.pathname.replace(/v1\/$/, '') + 'metrics', base);
}

/**
 * Connects to the server and checks that it serves `model`. The returned engine's `info` holds
 * what the server tells: `maxModelLen` is the model's `max_model_len` as vLLM lists it (0 when
 * the server does not say), `location` the base URL, `adapterName` `remote <origin>`. The rest
 * describe a local GPU and model and have no meaning here: `isSoftware` false, `architecture`
 * 'remote', `vocabSize`, `numKvBlocks` and `blockSize` 0, `hasTokenizer` false (the tokenizer is
 * the server's), no parser names (the server picks them).
 */
export async function createRemoteEngine(options: RemoteEngineOptions): Promise<LlmEngine> {
  if (typeof options.model !== 'string' || options.model === '') {
    throw new LlmError('invalid_argument', 'model must name a model the server serves', 'model');
  }
  const backend = new RemoteBackend(options);
  const base = parseBaseURL(options.baseURL);
  const served = (await backend.models()).data;
  const card = served.find((entry) => entry.id === options.model);
  if (card === undefined) {
    const names = served.map((entry) => entry.id).join(', ') || 'none';
    throw new LlmError('invalid_argument', `model "${options.model}" is not served by ${base.origin}; it serves: ${names}`, 'model');
  }
  const maxModelLen = typeof card.max_model_len === 'number' ? card.max_model_len : 0;
  const info: LoadedInfo = {
    adapterName: `remote ${base.origin}`, isSoftware: false, location: base.href, architecture: 'remote',
    vocabSize: 0, maxModelLen, numKvBlocks: 0, blockSize: 0, hasTokenizer: false,
  };
  return new LlmEngine({ backend, callback: (fn) => fn }, info);
}
