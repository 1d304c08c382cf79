/**
 * What `createEngine` returns: the OpenAI-shaped surface (`chat.completions.create`,
 * `completions.create`, `responses.create`, `models.list`), the in-page tool runner, a fetch for the OpenAI SDK, and
 * statistics, over a chat backend that runs in a Web Worker or in-process.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Completion } from 'openai/resources/completions';
import type { LoadedInfo } from '../worker/engine-worker.ts';
import type { EngineStats } from '../engine/engine-types.ts';
import type { ChatApi, ChatCompletionCreateParams, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, ChatCompletions, ModelList, RequestOptions } from '../chat/chat-types.ts';
import { ChunkStream } from './chunk-stream.ts';
import type { CompletionCreateParams, CompletionCreateParamsNonStreaming, CompletionCreateParamsStreaming, Completions, CompletionsApi } from '../chat/completion-types.ts';
import { createOpenAIFetch } from './openai-fetch.ts';
import { createResponses, type ResponsesService } from './responses/responses-service.ts';
import { checkRequestShape } from '../chat/schema-limits.ts';
import { runTools, type RunToolsParams, type ToolRun } from '../tools/tool-runner.ts';

type Awaitable<T> = T | Promise<T>;

/** A ChatHost, local or behind comlink. */
export interface ChatBackend {
  chat(key: string, params: unknown, onChunks?: (chunks: ChatCompletionChunk[]) => void): Promise<ChatCompletion | undefined>;
  completions(key: string, params: unknown, onChunks?: (chunks: Completion[]) => void): Promise<Completion | undefined>;
  /** Aborts a chat or completions request by its key. */
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

export class LlmEngine implements ChatApi, CompletionsApi {
  readonly chat: { readonly completions: ChatCompletions };
  /** Text completions (vLLM's /v1/completions); a list of prompts runs as one batch. */
  readonly completions: Completions;
  readonly models = { list: async (): Promise<ModelList> => this.link.backend.models() };
  /** OpenAI's Responses API over chat completions, with stored responses for previous_response_id (responses/). */
  readonly responses: ResponsesService;
  /** A fetch serving /v1/chat/completions, /v1/completions, /v1/responses and /v1/models, for `new OpenAI({ fetch: engine.fetch })`. */
  readonly fetch: typeof fetch;
  private keys = 0;
  private disposed = false;

  constructor(private readonly link: BackendLink, readonly info: LoadedInfo) {
    const create = (params: ChatCompletionCreateParams, options?: RequestOptions) => this.create(params, options);
    this.chat = { completions: { create } as ChatCompletions };
    const complete = (params: CompletionCreateParams, options?: RequestOptions) =>
      this.request(params, options, (key, onChunks?: (chunks: Completion[]) => void) => this.link.backend.completions(key, params, onChunks));
    this.completions = { create: complete } as Completions;
    this.responses = createResponses(this);
    this.fetch = createOpenAIFetch(this);
  }

  /** Runs tool calls with the page's own functions until the model answers (tool-runner.ts). */
  runTools(params: RunToolsParams, options?: { signal?: AbortSignal }): ToolRun {
    // The default result cap fits this model's context.
    return runTools(this, params, { ...options, contextLength: this.info.maxModelLen });
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
    return this.request(params, options, (key, onChunks?: (chunks: ChatCompletionChunk[]) => void) => this.link.backend.chat(key, params, onChunks));
  }

  /** One backend call under a fresh key: whole, or streamed through a ChunkStream; `signal` aborts it. */
  private async request<Result, Chunk>(
    params: { readonly stream?: boolean | null | undefined },
    options: RequestOptions = {},
    call: (key: string, onChunks?: (chunks: Chunk[]) => void) => Promise<Result | undefined>,
  ): Promise<Result | AsyncIterable<Chunk>> {
    if (this.disposed) throw new Error('the engine was disposed');
    // Before the worker's structured clone, which a too-deep or uncloneable request would break.
    checkRequestShape(params);
    const stream = params.stream === true;
    const { signal } = options;
    signal?.throwIfAborted();
    const key = String(++this.keys);
    const abort = () => void this.link.backend.abortChat(key);
    signal?.addEventListener('abort', abort, { once: true });
    const forget = () => signal?.removeEventListener('abort', abort);
    if (!stream) {
      try {
        return (await call(key)) as Result;
      } finally {
        forget();
      }
    }
    const chunks = new ChunkStream<Chunk>(abort);
    // Resolve with the stream once the request is accepted (its first chunk); a bad request rejects.
    let accepted!: () => void;
    const started = new Promise<void>((resolve) => (accepted = resolve));
    const onChunks = this.link.callback((list: Chunk[]) => {
      chunks.push(list);
      accepted();
    });
    const done = call(key, onChunks).then(() => chunks.end(), (error: unknown) => {
      chunks.fail(error);
      throw error;
    }).finally(forget);
    await Promise.race([started, done]);
    done.catch(() => {}); // the stream's iterator reports it from now on
    return chunks;
  }
}
