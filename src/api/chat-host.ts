/**
 * The chat service where the engine runs: an EngineHost (device, model, step loop) plus the chat
 * layer on top, with requests keyed so the page can abort them. In a Web Worker it is served over
 * comlink (`hostChatEngine`); in Node the same object is used in-process.
 */
import * as Comlink from 'comlink';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { EngineHost, type LoadedInfo, type WorkerLoadOptions } from '../engine/engine-worker.ts';
import { installErrorTransfer } from '../engine/worker-errors.ts';
import { isHubId } from '../hub/model-location.ts';
import type { ProgressListener } from '../model/load-progress.ts';
import { ChatService } from './chat-service.ts';
import type { ModelList } from './chat-types.ts';

export interface ChatLoadOptions extends WorkerLoadOptions {
  /** The model name responses report; default: a Hub id as given, else the folder's last path segment. */
  readonly modelId?: string;
}

export class ChatHost extends EngineHost {
  private service: ChatService | undefined;
  private readonly pending = new Map<string, AbortController>();

  override async load(location: string, options: ChatLoadOptions = {}, onProgress?: ProgressListener): Promise<LoadedInfo> {
    const { modelId, ...loadOptions } = options;
    this.service = undefined;
    const info = await super.load(location, loadOptions, onProgress);
    this.service = new ChatService(this.require(), modelId ?? defaultModelId(location));
    return info;
  }

  /** One chat request, `key` chosen by the caller for `abortChat`; chunks go to `onChunks` when streaming. */
  async chat(key: string, params: unknown, onChunks?: (chunks: ChatCompletionChunk[]) => void): Promise<ChatCompletion | undefined> {
    const service = this.requireService();
    if (this.pending.has(key)) throw new Error(`chat request key "${key}" is already in use`);
    const controller = new AbortController();
    this.pending.set(key, controller);
    // Chunks are posted without waiting for the page, but a callback proxy has its own channel,
    // so the reply must wait for the last one: otherwise it could overtake the final chunks.
    let delivered: Promise<unknown> = Promise.resolve();
    const post = onChunks === undefined ? undefined : (chunks: ChatCompletionChunk[]) => void (delivered = Promise.resolve(onChunks(chunks)));
    try {
      return await service.create(params, { signal: controller.signal, onChunks: post });
    } finally {
      this.pending.delete(key);
      await delivered.catch(() => undefined);
    }
  }

  abortChat(key: string): boolean {
    const controller = this.pending.get(key);
    controller?.abort();
    return controller !== undefined;
  }

  models(): ModelList {
    return this.requireService().models();
  }

  override dispose(): void {
    for (const controller of this.pending.values()) controller.abort();
    this.service = undefined;
    super.dispose();
  }

  private requireService(): ChatService {
    if (this.service === undefined) throw new Error('no model is loaded: call load() first');
    return this.service;
  }
}

/** A Hub id as given (as vLLM names its model); `…/Qwen2.5-0.5B-Instruct/` → `Qwen2.5-0.5B-Instruct`. */
function defaultModelId(location: string): string {
  if (isHubId(location)) return location;
  const parts = location.replace(/[?#].*$/, '').split(/[\\/]/).filter((part) => part !== '' && part !== '.');
  return parts.at(-1) ?? location;
}

/** Call from a worker module: serves a ChatHost to whoever created the worker. */
export function hostChatEngine(): void {
  installErrorTransfer();
  Comlink.expose(new ChatHost());
}
