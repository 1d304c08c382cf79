/** Test helper: folds a stream of chat chunks back into per-choice messages, checking chunk invariants. */
import { expect } from 'vitest';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';

export interface StreamedChoice {
  role: string | undefined;
  content: string | null;
  reasoning_content: string | null;
  tool_calls: { id: string; name: string; arguments: string }[];
  finish_reason: string | null;
  logprobs: number;
}

export interface StreamedReply {
  choices: StreamedChoice[];
  chunks: ChatCompletionChunk[];
  usage: CompletionUsage | undefined;
}

export async function collectStream(stream: AsyncIterable<ChatCompletionChunk>): Promise<StreamedReply> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const choices: StreamedChoice[] = [];
  let usage: CompletionUsage | undefined;
  for (const chunk of chunks) {
    expect(chunk.object).toBe('chat.completion.chunk');
    expect(chunk.id).toBe(chunks[0]!.id);
    expect(chunk.created).toBe(chunks[0]!.created);
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      const entry = (choices[choice.index] ??= { role: undefined, content: null, reasoning_content: null, tool_calls: [], finish_reason: null, logprobs: 0 });
      expect(entry.finish_reason, 'nothing after finish_reason').toBeNull();
      const delta = choice.delta as ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };
      if (delta.role !== undefined) entry.role = delta.role;
      if (typeof delta.content === 'string' && (delta.content !== '' || entry.content !== null)) entry.content = (entry.content ?? '') + delta.content;
      if (typeof delta.reasoning_content === 'string') entry.reasoning_content = (entry.reasoning_content ?? '') + delta.reasoning_content;
      for (const call of delta.tool_calls ?? []) {
        if (call.id !== undefined) {
          expect(call.index, 'calls open in order').toBe(entry.tool_calls.length);
          entry.tool_calls.push({ id: call.id, name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' });
        } else entry.tool_calls[call.index]!.arguments += call.function?.arguments ?? '';
      }
      entry.logprobs += choice.logprobs?.content?.length ?? 0;
      if (choice.finish_reason !== null) entry.finish_reason = choice.finish_reason;
    }
  }
  return { choices, chunks, usage };
}
