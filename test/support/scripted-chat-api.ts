/**
 * A `ChatApi` test double: create() answers from a script of pre-written replies, one per call,
 * and records every request (a snapshot of its params and its signal). A scripted completion is
 * served whole, or as chunks when the request streams (content split into small pieces, tool calls
 * as a header and argument fragments), so one script drives both modes. Streams honour the signal.
 */
import type {
  ChatApi,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletions,
  ModelList,
  RequestOptions,
} from '../../src/chat/chat-types.ts';

export interface ScriptedCall {
  readonly name: string;
  /** Object arguments are written as JSON; a string is sent as it is (e.g. broken JSON). */
  readonly arguments: unknown;
  readonly id?: string;
}

export interface ScriptedMessage {
  readonly content?: string | null;
  readonly reasoning?: string | null;
  readonly toolCalls?: readonly ScriptedCall[];
}

/** A reply: a message, chunks as they are, a failure, or a function for anything else. */
export type ScriptedReply =
  | ChatCompletion
  | { readonly chunks: readonly ChatCompletionChunk[]; readonly thenThrow?: unknown }
  | { readonly throws: unknown }
  | ((params: ChatCompletionCreateParams, signal: AbortSignal | undefined) => Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>);

let counter = 0;

export function completion(message: ScriptedMessage, finishReason?: 'stop' | 'length' | 'tool_calls'): ChatCompletion {
  const toolCalls = (message.toolCalls ?? []).map((call) => ({
    id: call.id ?? `chatcmpl-tool-${++counter}`,
    type: 'function' as const,
    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
  }));
  return {
    id: `chatcmpl-${++counter}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'scripted-model',
    choices: [{
      index: 0,
      message: {
        role: 'assistant',
        content: message.content ?? null,
        reasoning_content: message.reasoning ?? null,
        refusal: null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      } as ChatCompletion['choices'][number]['message'],
      logprobs: null,
      finish_reason: finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

const pieces = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

/** The chunks a server would stream for `reply`, split into `size`-character deltas. */
export function chunksOf(reply: ChatCompletion, size = 3): ChatCompletionChunk[] {
  const choice = reply.choices[0]!;
  const message = choice.message as typeof choice.message & { reasoning_content?: string | null };
  const chunk = (delta: Record<string, unknown>, finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk =>
    ({ id: reply.id, object: 'chat.completion.chunk', created: reply.created, model: reply.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  const chunks = [chunk({ role: 'assistant', content: '' })];
  for (const piece of pieces(message.reasoning_content ?? '', size)) chunks.push(chunk({ reasoning_content: piece }));
  for (const piece of pieces(message.content ?? '', size)) chunks.push(chunk({ content: piece }));
  (message.tool_calls ?? []).forEach((call, index) => {
    if (call.type !== 'function') return;
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name } }] }));
    for (const piece of pieces(call.function.arguments, size)) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  chunks.push(chunk({}, choice.finish_reason));
  return chunks;
}

export interface RecordedRequest {
  readonly params: ChatCompletionCreateParams;
  readonly signal: AbortSignal | undefined;
}

export class ScriptedChatApi implements ChatApi {
  readonly requests: RecordedRequest[] = [];
  /** Streams whose generator ran to its end or was closed early (return()). */
  streamsClosed = 0;
  readonly chat: { readonly completions: ChatCompletions };
  readonly models = { list: async (): Promise<ModelList> => this.modelList };

  constructor(
    private readonly script: ScriptedReply[],
    private readonly modelList: ModelList = {
      object: 'list',
      data: [{ id: 'scripted-model', object: 'model', created: 1_700_000_000, owned_by: 'test', root: 'scripted-model', max_model_len: 4096 }],
    },
    /** Pause between streamed chunks, so a test can act mid-stream. */
    private readonly chunkDelayMs = 0,
  ) {
    this.chat = { completions: { create: ((params: ChatCompletionCreateParams, options?: RequestOptions) => this.create(params, options)) as ChatCompletions['create'] } };
  }

  private async create(params: ChatCompletionCreateParams, options?: RequestOptions): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>> {
    const signal = options?.signal;
    this.requests.push({ params: structuredClone(params), signal });
    const reply = this.script.shift();
    if (reply === undefined) throw new Error(`the script has no reply for request ${this.requests.length}`);
    if (typeof reply === 'function') return reply(params, signal);
    if ('throws' in reply) throw reply.throws;
    if ('chunks' in reply) return this.stream(reply.chunks, signal, reply.thenThrow);
    return params.stream === true ? this.stream(chunksOf(reply), signal) : reply;
  }

  private async *stream(chunks: readonly ChatCompletionChunk[], signal: AbortSignal | undefined, thenThrow?: unknown): AsyncGenerator<ChatCompletionChunk> {
    try {
      for (const chunk of chunks) {
        if (this.chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs));
        signal?.throwIfAborted();
        yield chunk;
      }
      if (thenThrow !== undefined) throw thenThrow;
    } finally {
      this.streamsClosed++;
    }
  }
}

/** A reply that never comes: it settles only by rejecting when the request is aborted. */
export const hangUntilAborted: ScriptedReply = (_params, signal) =>
  new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
