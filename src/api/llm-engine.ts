/**
 * What `createEngine` returns: the OpenAI-shaped surface (`chat.completions.create`,
 * `models.list`), the in-page tool runner, a fetch for the OpenAI SDK, and statistics, over a
 * chat backend that runs in a Web Worker or in-process.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { LoadedInfo } from '../engine/engine-worker.ts';
import type { EngineStats } from '../engine/engine-types.ts';
import type { ChatApi, ChatCompletionCreateParams, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, ChatCompletions, ModelList, RequestOptions } from './chat-types.ts';
import { ChunkStream } from './chunk-stream.ts';
import { createOpenAIFetch } from './openai-fetch.ts';
import { runTools, type RunToolsParams, type ToolRun } from './tool-runner.ts';

type Awaitable<T> = T | Promise<T>;

/** A ChatHost, local or behind comlink. */
export interface ChatBackend {
  chat(key: string, params: unknown, onChunks?: (chunks: ChatCompletionChunk[]) => void): Promise<ChatCompletion | undefined>;
  abortChat(key: string): Awaitable<boolean>;
  models(): Awaitable<ModelList>;
  stats(): Awaitable<EngineStats>;
  dispose(): Awaitable<void>;
}

export interface BackendLink {
  readonly backend: ChatBackend;
  /** Makes a callback callable from the backend's side (comlink.proxy for a worker). */
  readonly callback: <F extends (...args: never[]) => unknown>(fn: F) => F;
  /** Ends the backend's thread, after dispose. */
  readonly close?: () => void;
}

export class LlmEngine implements ChatApi {
  readonly chat: { readonly completions: ChatCompletions };
  readonly models = { list: async (): Promise<ModelList> => this.link.backend.models() };
  /** A fetch serving /v1/chat/completions and /v1/models, for `new OpenAI({ fetch: engine.fetch })`. */
  readonly fetch: typeof fetch;
  private keys = 0;
  private disposed = false;

  constructor(private readonly link: BackendLink, readonly info: LoadedInfo) {
    const create = (params: ChatCompletionCreateParams, options?: RequestOptions) => this.create(params, options);
    this.chat = { completions: { create } as ChatCompletions };
    this.fetch = createOpenAIFetch(this);
  }

  /** Runs tool calls with the page's own functions until the model answers (tool-runner.ts). */
  runTools(params: RunToolsParams, options?: { signal?: AbortSignal }): ToolRun {
    return runTools(this, params, options);
  }

  async stats(): Promise<EngineStats> {
    return this.link.backend.stats();
  }

  /** Aborts what is running, frees the model's GPU memory and ends the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.link.backend.dispose();
    this.link.close?.();
  }

  private create(params: ChatCompletionCreateParamsNonStreaming, options?: RequestOptions): Promise<ChatCompletion>;
  private create(params: ChatCompletionCreateParamsStreaming, options?: RequestOptions): Promise<AsyncIterable<ChatCompletionChunk>>;
  private create(params: ChatCompletionCreateParams, options?: RequestOptions): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
  private async create(params: ChatCompletionCreateParams, options: RequestOptions = {}): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>> {
    if (this.disposed) throw new Error('the engine was disposed');
    const { signal } = options;
    signal?.throwIfAborted();
    const key = String(++this.keys);
    const abort = () => void this.link.backend.abortChat(key);
    signal?.addEventListener('abort', abort, { once: true });
    const forget = () => signal?.removeEventListener('abort', abort);
    if (params.stream !== true) {
      try {
        return (await this.link.backend.chat(key, params)) as ChatCompletion;
      } finally {
        forget();
      }
    }
    const stream = new ChunkStream(abort);
    // Resolve with the stream once the request is accepted (its first chunk); a bad request rejects.
    let accepted!: () => void;
    const started = new Promise<void>((resolve) => (accepted = resolve));
    const onChunks = this.link.callback((chunks: ChatCompletionChunk[]) => {
      stream.push(chunks);
      accepted();
    });
    const done = this.link.backend.chat(key, params, onChunks).then(() => stream.end(), (error: unknown) => {
      stream.fail(error);
      throw error;
    }).finally(forget);
    await Promise.race([started, done]);
    done.catch(() => {}); // the stream's iterator reports it from now on
    return stream;
  }
}
