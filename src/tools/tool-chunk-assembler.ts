/**
 * Rebuilds the `ChatCompletion` a stream of `ChatCompletionChunk`s stands for, by the streaming
 * invariant: concatenated deltas give the non-streaming message (content, reasoning_content, each
 * tool call's name and arguments), the last `finish_reason` and any `usage` chunk complete it.
 */
import type { ChatCompletion, ChatCompletionChunk } from '../chat/chat-types.ts';

type ToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };
type TokenLogprobs = NonNullable<ChatCompletion['choices'][number]['logprobs']>['content'];

interface ChoiceState {
  content: string | null;
  reasoning: string | null;
  toolCalls: ToolCall[];
  logprobs: TokenLogprobs;
  finishReason: ChatCompletion['choices'][number]['finish_reason'] | null;
}

const append = (text: string | null, delta: string | null | undefined) =>
  delta === undefined || delta === null ? text : (text ?? '') + delta;

export class ChunkAssembler {
  private first: ChatCompletionChunk | undefined;
  private usage: ChatCompletion['usage'];
  private readonly choices = new Map<number, ChoiceState>();

  push(chunk: ChatCompletionChunk): void {
    this.first ??= chunk;
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      let state = this.choices.get(choice.index);
      if (state === undefined) {
        state = { content: null, reasoning: null, toolCalls: [], logprobs: null, finishReason: null };
        this.choices.set(choice.index, state);
      }
      const delta = choice.delta as typeof choice.delta & { reasoning_content?: string | null };
      state.content = append(state.content, delta.content);
      state.reasoning = append(state.reasoning, delta.reasoning_content);
      for (const piece of delta.tool_calls ?? []) {
        const call = (state.toolCalls[piece.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (piece.id !== undefined) call.id = piece.id;
        call.function.name += piece.function?.name ?? '';
        call.function.arguments += piece.function?.arguments ?? '';
      }
      const tokens = choice.logprobs?.content;
      if (tokens !== undefined && tokens !== null) state.logprobs = [...(state.logprobs ?? []), ...tokens];
      if (choice.finish_reason !== null) state.finishReason = choice.finish_reason;
    }
  }

  /** The completion so far; call after the stream ended. */
  finish(): ChatCompletion {
    const first = this.first;
    if (first === undefined) throw new Error('the completion stream ended without a chunk');
    const choices = [...this.choices.entries()].sort(([a], [b]) => a - b).map(([index, state]) => ({
      index,
      message: {
        role: 'assistant' as const,
        // The first chunk's `content: ''` is framing, not text: an empty reply is null, as non-streaming.
        content: state.content === '' ? null : state.content,
        // A `reasoning_content: ""` delta is an empty think block (""), unlike no reasoning at all (null).
        reasoning_content: state.reasoning,
        refusal: null,
        ...(state.toolCalls.length > 0 ? { tool_calls: state.toolCalls.filter((call) => call !== undefined) } : {}),
      },
      logprobs: state.logprobs === null ? null : { content: state.logprobs, refusal: null },
      finish_reason: state.finishReason ?? 'stop',
    }));
    return {
      id: first.id,
      object: 'chat.completion',
      created: first.created,
      model: first.model,
      choices,
      ...(this.usage !== undefined ? { usage: this.usage } : {}),
    };
  }
}
