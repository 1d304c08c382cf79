/**
 * What a chat reply carries beyond the model's parsed output, per vLLM's request fields: the
 * echoed start (`echo`: the last message's text first), reasoning dropped
 * (`include_reasoning: false`), and usage on every chunk (`stream_options.continuous_usage_stats`).
 * Streamed deltas and the whole message are shaped alike, so the deltas still concatenate to the
 * message.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { RequestOutput } from '../engine/engine-types.ts';
import type { ChatParams } from './chat-params.ts';
import { usage } from './chat-response.ts';
import type { ChoiceMessage } from './choice-output.ts';
import type { StreamDelta } from './types.ts';

export interface ReplyShaper {
  /** The deltas a streamed choice starts with, after its role chunk. */
  readonly echo: StreamDelta[];
  deltas(list: StreamDelta[]): StreamDelta[];
  message(message: ChoiceMessage): ChoiceMessage;
  /** Notes a choice's new tokens, for continuous usage. */
  count(index: number, output: RequestOutput): void;
  chunks(index: number, list: ChatCompletionChunk[]): ChatCompletionChunk[];
}

export function replyShaper(params: ChatParams, echoText: string, promptTokens: number): ReplyShaper {
  const completionTokens = new Array<number>(params.n).fill(0);
  let cachedTokens = 0;
  return {
    echo: echoText === '' ? [] : [{ content: echoText }],
    deltas: (list) => (params.includeReasoning ? list : list.filter((delta) => !('reasoning_content' in delta))),
    message: (message) => ({
      ...message,
      content: echoText === '' ? message.content : echoText + (message.content ?? ''),
      reasoningContent: params.includeReasoning ? message.reasoningContent : null,
    }),
    count(index, output) {
      completionTokens[index] = (completionTokens[index] ?? 0) + output.tokenIds.length;
      cachedTokens = output.numCachedTokens;
    },
    chunks: (index, list) => (params.continuousUsage
      ? list.map((chunk) => ({ ...chunk, usage: usage(promptTokens, completionTokens[index] ?? 0, cachedTokens) }))
      : list),
  };
}
