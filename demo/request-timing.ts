/**
 * Per-request timing measured on the page: a ChatApi that forwards to the engine and watches each
 * streamed reply go by, so `runTools` (which takes any ChatApi) drives the engine unchanged while
 * every round reports its time to first token and its decode time. Token counts come from the
 * stream's usage chunk (`stream_options.include_usage`).
 *
 * "First token" is the first chunk that carries text, reasoning or a tool call: the role chunk
 * comes when the request is accepted, before any token.
 *
 * Streams also ask for prefill progress (`stream_options.include_progress`, an extension of this
 * runtime): chunks with `prefill_progress` go to `onPrefill` and are not passed on, so the tool
 * runner sees an ordinary stream.
 */
import type {
  ChatApi, ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletionCreateParamsStreaming, ChatCompletions, RequestOptions,
} from '../src/index.ts';

export interface RoundTiming {
  /** Request sent → first streamed token, ms (queueing and prefill). */
  readonly ttftMs: number;
  /** First token → last chunk, ms. */
  readonly decodeMs: number;
  readonly promptTokens: number;
  /** Prompt tokens served from the prefix cache (not recomputed). */
  readonly cachedTokens: number;
  readonly completionTokens: number;
}

/** Prompt tokens computed per second of time to first token. */
export function prefillRate(timing: RoundTiming): number {
  return (timing.promptTokens - timing.cachedTokens) / Math.max(timing.ttftMs / 1000, 1e-3);
}

function carriesToken(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.some(({ delta }) => {
    const { content, reasoning_content: reasoning, tool_calls: calls } = delta as typeof delta & { reasoning_content?: string | null };
    return (typeof content === 'string' && content !== '') || (typeof reasoning === 'string' && reasoning !== '') || (calls?.length ?? 0) > 0;
  });
}

export type PrefillListener = (done: number, total: number) => void;

interface ProgressChunk {
  readonly prefill_progress?: { readonly processed_tokens: number; readonly total_tokens: number };
}

async function* timed(
  stream: AsyncIterable<ChatCompletionChunk>, sentAt: number, onRound: (timing: RoundTiming) => void, onPrefill: PrefillListener | undefined,
): AsyncGenerator<ChatCompletionChunk> {
  let firstAt: number | undefined;
  let usage: ChatCompletionChunk['usage'];
  for await (const chunk of stream) {
    const progress = (chunk as ChatCompletionChunk & ProgressChunk).prefill_progress;
    if (progress !== undefined) {
      onPrefill?.(progress.processed_tokens, progress.total_tokens);
      continue;
    }
    if (firstAt === undefined && carriesToken(chunk)) firstAt = performance.now();
    if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
    yield chunk;
  }
  const endAt = performance.now();
  firstAt ??= endAt;
  onRound({
    ttftMs: firstAt - sentAt,
    decodeMs: endAt - firstAt,
    promptTokens: usage?.prompt_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
  });
}

/** `api` with streamed requests timed; each finished round goes to `onRound`, prefill progress to `onPrefill`. */
export function timedChatApi(api: ChatApi, onRound: (timing: RoundTiming) => void, onPrefill?: PrefillListener): ChatApi {
  const create = async (params: ChatCompletionCreateParams, options?: RequestOptions) => {
    if (params.stream !== true) return api.chat.completions.create(params, options);
    const sentAt = performance.now();
    const streamOptions = { ...params.stream_options, include_usage: true, ...(onPrefill === undefined ? {} : { include_progress: true }) };
    const streaming: ChatCompletionCreateParamsStreaming = { ...params, stream_options: streamOptions };
    return timed(await api.chat.completions.create(streaming, options), sentAt, onRound, onPrefill);
  };
  return { chat: { completions: { create } as ChatCompletions }, models: api.models };
}
