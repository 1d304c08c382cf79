/**
 * The chat service where the engine runs: an EngineHost (device, model, step loop) plus the chat
 * and completions layers on top, with requests keyed so the page can abort them. In a Web Worker
 * it is served over comlink (`hostChatEngine`); in Node the same object is used in-process.
 */
import { orderedDelivery } from './ordered-delivery.ts';
import { reasoningParserNames } from '../chat/reasoning-parser.ts';
import { toolCallParserFactory } from '../chat/tool-parser-registry.ts';
import * as Comlink from 'comlink';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Completion } from 'openai/resources/completions';
import { EngineHost, type LoadedInfo, type WorkerLoadOptions } from './engine-worker.ts';
import { installErrorTransfer } from './worker-errors.ts';
import { isHubId } from '../hub/model-location.ts';
import type { ProgressListener } from '../model/load-progress.ts';
import { LlmError } from '../errors.ts';
import { contentControlTokenModes, type ContentControlTokens } from '../chat/chat-prompt.ts';
import { ChatService } from '../chat/chat-service.ts';
import type { ModelList } from '../chat/chat-types.ts';
import { CompletionService } from '../chat/completion-service.ts';

export interface ChatLoadOptions extends WorkerLoadOptions {
  /** The model name responses report; default: a Hub id as given, else the folder's last path segment. */
  readonly modelId?: string;
  /**
   * How chat content that spells a control token (`<|im_end|>`, `<tool_call>`) is tokenized:
   * 'text' (default) as text, so a tool result cannot fake a turn or a call; 'raw' as the tokens,
   * as vLLM does (chat-prompt.ts).
   */
  readonly contentControlTokens?: ContentControlTokens;
  /**
   * Take a request's own `chat_template` (vLLM's --trust-request-chat-template). Default false: a
   * template is a program, and a request's could loop until the engine runs out of memory.
   */
  readonly trustRequestChatTemplate?: boolean;
  /**
   * The tool-call parser, by name: 'hermes' | 'llama3_json' | 'pythonic' | 'mistral', or one
   * registered with registerToolCallParser() in the realm the engine runs in (vLLM's
   * --tool-call-parser). Default: what the chat template calls for (tool-parser-choice.ts).
   */
  readonly toolCallParser?: string;
  /** 'qwen3' | 'deepseek_r1' | 'none' (vLLM's --reasoning-parser). Default: what the chat template calls for. */
  readonly reasoningParser?: 'qwen3' | 'deepseek_r1' | 'none';
  /** A chat template (its text) to use in place of the model's own (vLLM's --chat-template). */
  readonly chatTemplate?: string;
}

export class ChatHost extends EngineHost {
  private services: { readonly chat: ChatService; readonly completions: CompletionService } | undefined;
  private readonly pending = new Map<string, AbortController>();

  override async load(location: string, options: ChatLoadOptions = {}, onProgress?: ProgressListener): Promise<LoadedInfo> {
    const { modelId, contentControlTokens = 'text', trustRequestChatTemplate = false, toolCallParser, reasoningParser, chatTemplate, ...loadOptions } = options;
    if (!contentControlTokenModes.includes(contentControlTokens)) {
      throw new LlmError('invalid_argument', `contentControlTokens must be ${contentControlTokenModes.map((mode) => `'${mode}'`).join(' or ')}, got ${JSON.stringify(contentControlTokens)}`, 'contentControlTokens');
    }
    // Named parsers are checked before the weights load, so a typo costs no download.
    if (toolCallParser !== undefined) toolCallParserFactory(toolCallParser);
    if (reasoningParser !== undefined && reasoningParser !== 'none' && !reasoningParserNames.includes(reasoningParser)) {
      throw new LlmError('invalid_argument', `reasoningParser must be one of ${[...reasoningParserNames, 'none'].join(', ')}, got ${JSON.stringify(reasoningParser)}`, 'reasoningParser');
    }
    this.services = undefined;
    const info = await super.load(location, loadOptions, onProgress);
    const name = modelId ?? defaultModelId(location);
    const chat = new ChatService(this.require(), name, contentControlTokens, { trustRequestChatTemplate, toolCallParser, reasoningParser, chatTemplate });
    this.services = { chat, completions: new CompletionService(this.require(), name) };
    const chosen = { ...info, toolCallParser: chat.toolCallParser };
    return chat.reasoningParser === undefined ? chosen : { ...chosen, reasoningParser: chat.reasoningParser };
  }

  /** One chat request, `key` chosen by the caller for `abortChat`; chunks go to `onChunks` when streaming. */
  async chat(key: string, params: unknown, onChunks?: (chunks: ChatCompletionChunk[]) => void): Promise<ChatCompletion | undefined> {
    const service = this.requireServices().chat;
    return this.keyed(key, onChunks, (options) => service.create(params, options));
  }

  /** One completions request (/v1/completions), keyed like `chat` and aborted by `abortChat`. */
  async completions(key: string, params: unknown, onChunks?: (chunks: Completion[]) => void): Promise<Completion | undefined> {
    const service = this.requireServices().completions;
    return this.keyed(key, onChunks, (options) => service.create(params, options));
  }

  /** Runs a request under `key` with an abort controller, delivering its chunks in order. */
  private async keyed<Result, Chunk>(
    key: string,
    onChunks: ((chunks: Chunk[]) => void) | undefined,
    run: (options: { signal: AbortSignal; onChunks: ((chunks: Chunk[]) => void) | undefined }) => Promise<Result>,
  ): Promise<Result> {
    if (this.pending.has(key)) throw new Error(`request key "${key}" is already in use`);
    const controller = new AbortController();
    this.pending.set(key, controller);
    const chunks = orderedDelivery(onChunks);
    try {
      return await run({ signal: controller.signal, onChunks: chunks.post });
    } finally {
      this.pending.delete(key);
      await chunks.delivered();
    }
  }

  /** Aborts a chat or completions request by its key. */
  abortChat(key: string): boolean {
    const controller = this.pending.get(key);
    controller?.abort();
    return controller !== undefined;
  }

  models(): ModelList {
    return this.requireServices().chat.models();
  }

  override async dispose(): Promise<void> {
    for (const controller of this.pending.values()) controller.abort();
    this.services = undefined;
    await super.dispose();
  }

  private requireServices(): { readonly chat: ChatService; readonly completions: CompletionService } {
    if (this.services === undefined) throw new Error('no model is loaded: call load() first');
    return this.services;
  }
}

/** A Hub id as given (as vLLM names its model); `…/Qwen2.5-0.5B-Instruct/` → `Qwen2.5-0.5B-Instruct`. */
function defaultModelId(location: string): string {
  if (isHubId(location)) return location;
  const parts = location.replace(/[?#].*$/, '').split(/[\\/]/).filter((part) => part !== '' && part !== '.');
  return parts.at(-1) ?? location;
}

/**
 * Call from a worker module: serves a ChatHost to whoever created the worker. It is the one host
 * every worker link talks to: createEngine's LlmEngine (chat layer) and EngineWorkerClient (the
 * engine's own calls) both hold a `Comlink.Remote<ChatHost>`.
 */
export function hostChatEngine(): void {
  installErrorTransfer();
  Comlink.expose(new ChatHost());
}

/** The same host, under the name engine-level workers have used. */
export const hostEngine = hostChatEngine;
