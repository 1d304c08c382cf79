/**
 * The wire shapes a completions request answers with, as vLLM's OpenAIServingCompletion writes
 * them: a `text_completion` object whole, or chunks of the same shape whose choices carry text
 * deltas; logprobs in the legacy layout (tokens, token_logprobs, top_logprobs, text_offset).
 */
import type { ChatCompletionTokenLogprob } from 'openai/resources/chat/completions';
import type { Completion, CompletionChoice, CompletionUsage } from 'openai/resources/completions';
import type { PrefillProgress } from './chat-types.ts';
import type { ResponseHeader } from './chat-response.ts';
import type { CompletionChunk } from './completion-types.ts';

export type CompletionFinishReason = 'stop' | 'length';

export interface FinishedText {
  readonly text: string;
  readonly finishReason: CompletionFinishReason;
  /** Present when the request asked for logprobs. */
  readonly logprobs: CompletionChoice.Logprobs | undefined;
}

/** JSON has no -Infinity; OpenAI and vLLM write -9999 for a token the model rules out. */
const finite = (logprob: number) => Math.max(logprob, -9999);

/**
 * The legacy layout from the chat layout's entries (the same tokens and values chat returns):
 * top_logprobs holds the sampled token and then the top alternatives, by decoded text, as vLLM
 * writes them; text_offset counts from `initialOffset` (the text already sent, when streaming).
 */
export function legacyLogprobs(entries: readonly ChatCompletionTokenLogprob[], initialOffset: number): CompletionChoice.Logprobs {
  const textOffset: number[] = [];
  let offset = initialOffset;
  for (const entry of entries) {
    textOffset.push(offset);
    offset += entry.token.length;
  }
  return {
    tokens: entries.map((entry) => entry.token),
    token_logprobs: entries.map((entry) => finite(entry.logprob)),
    top_logprobs: entries.map((entry) => {
      const top: Record<string, number> = { [entry.token]: finite(entry.logprob) };
      for (const alternative of entry.top_logprobs) top[alternative.token] = finite(alternative.logprob);
      return top;
    }),
    text_offset: textOffset,
  };
}

export function textCompletion(header: ResponseHeader, choices: readonly FinishedText[], totals: CompletionUsage): Completion {
  return {
    id: header.id,
    object: 'text_completion',
    created: header.created,
    model: header.model,
    choices: choices.map(({ text, finishReason, logprobs }, index) => ({ index, text, logprobs: logprobs ?? null, finish_reason: finishReason })),
    usage: totals,
  };
}

/** Builds the chunks of one streamed response; every chunk has the same id and created. */
export class CompletionChunks {
  constructor(private readonly header: ResponseHeader) {}

  private chunk(choices: Completion['choices']): Completion {
    const { id, created, model } = this.header;
    return { id, object: 'text_completion', created, model, choices };
  }

  /** One choice's delta; its last chunk carries the finish reason (finish_reason is null before). */
  text(index: number, text: string, logprobs: CompletionChoice.Logprobs | undefined, finishReason: CompletionFinishReason | null): Completion {
    // OpenAI types finish_reason as never null, but streamed chunks carry null until the last.
    const finish = finishReason as CompletionFinishReason;
    return this.chunk([{ index, text, logprobs: logprobs ?? null, finish_reason: finish }]);
  }

  usage(totals: CompletionUsage): Completion {
    return { ...this.chunk([]), usage: totals };
  }

  /** stream_options.include_progress: how far the prompts are, on a chunk with no choices. */
  progress(progress: PrefillProgress): CompletionChunk {
    return { ...this.chunk([]), prefill_progress: progress };
  }
}
