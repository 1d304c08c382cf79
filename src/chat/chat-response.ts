/**
 * The wire shapes a chat request answers with: `ChatCompletion` for a whole reply and
 * `ChatCompletionChunk`s for a stream, as vLLM's OpenAI server writes them.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionTokenLogprob } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { ChatCompletionChunk as ProgressChunk, PrefillProgress } from './chat-types.ts';
import type { ChoiceMessage } from './choice-output.ts';
import type { StreamDelta } from './types.ts';

export type ChatFinishReason = 'stop' | 'length' | 'tool_calls';

/** `chatcmpl-` (text completions: `cmpl-`) + 32 random hex digits. */
export function makeCompletionId(prefix = 'chatcmpl-'): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface ResponseHeader {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

export function usage(promptTokens: number, completionTokens: number, cachedTokens: number): CompletionUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens },
  };
}

export interface FinishedChoice {
  readonly message: ChoiceMessage;
  readonly finishReason: ChatFinishReason;
  /** Present when the request asked for logprobs. */
  readonly logprobs: ChatCompletionTokenLogprob[] | undefined;
}

export function completion(header: ResponseHeader, choices: readonly FinishedChoice[], totals: CompletionUsage): ChatCompletion {
  return {
    id: header.id,
    object: 'chat.completion',
    created: header.created,
    model: header.model,
    choices: choices.map(({ message, finishReason, logprobs }, index) => ({
      index,
      message: {
        role: 'assistant',
        content: message.content,
        refusal: null,
        // vLLM's field for Qwen3 thinking; not in OpenAI's type, which is why the cast below.
        reasoning_content: message.reasoningContent,
        ...(message.toolCalls.length > 0 ? { tool_calls: message.toolCalls.map((call) => ({ ...call, function: { ...call.function } })) } : {}),
      } as ChatCompletion.Choice['message'],
      logprobs: logprobs === undefined ? null : { content: logprobs, refusal: null },
      finish_reason: finishReason,
    })),
    usage: totals,
  };
}

/** Builds the chunks of one streamed response; every chunk has the same id and created. */
export class ChunkFactory {
  constructor(private readonly header: ResponseHeader) {}

  private chunk(choices: ChatCompletionChunk['choices']): ChatCompletionChunk {
    const { id, created, model } = this.header;
    return { id, object: 'chat.completion.chunk', created, model, choices };
  }

  /** The first chunk of a choice: the assistant role and empty content. */
  role(index: number): ChatCompletionChunk {
    return this.chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  }

  /** One chunk per delta; the step's logprobs ride on the first (or on an empty delta if none). */
  deltas(index: number, deltas: readonly StreamDelta[], logprobs: ChatCompletionTokenLogprob[] | undefined): ChatCompletionChunk[] {
    const pieces: StreamDelta[] | [{}] = deltas.length > 0 ? [...deltas] : logprobs !== undefined && logprobs.length > 0 ? [{}] : [];
    return pieces.map((delta, i) => this.chunk([{
      index,
      delta: copyDelta(delta),
      logprobs: i === 0 && logprobs !== undefined ? { content: logprobs, refusal: null } : null,
      finish_reason: null,
    }]));
  }

  finish(index: number, reason: ChatFinishReason): ChatCompletionChunk {
    return this.chunk([{ index, delta: {}, logprobs: null, finish_reason: reason }]);
  }

  usage(totals: CompletionUsage): ChatCompletionChunk {
    return { ...this.chunk([]), usage: totals };
  }

  /** stream_options.include_progress: how far the prompt is, on a chunk with no choices. */
  progress(progress: PrefillProgress): ProgressChunk {
    return { ...this.chunk([]), prefill_progress: progress };
  }
}

/** Parser deltas are read-only and may share objects; chunks get their own copies. */
function copyDelta(delta: StreamDelta | {}): ChatCompletionChunk.Choice.Delta {
  if ('tool_calls' in delta) {
    return { tool_calls: delta.tool_calls.map((call) => ({ ...call, function: { ...call.function } })) };
  }
  return { ...delta } as ChatCompletionChunk.Choice.Delta;
}
