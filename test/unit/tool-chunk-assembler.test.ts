/** ChunkAssembler: a stream folds back into the message a non-streamed request returns. */
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../../src/chat/chat-types.ts';
import { ChunkAssembler } from '../../src/tools/tool-chunk-assembler.ts';

const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatCompletionChunk =>
  ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] }) as ChatCompletionChunk;

function assemble(chunks: ChatCompletionChunk[]) {
  const assembler = new ChunkAssembler();
  for (const piece of chunks) assembler.push(piece);
  return assembler.finish().choices[0]!;
}

describe('ChunkAssembler', () => {
  it('keeps an empty think block as reasoning "" and no reasoning as null', () => {
    const empty = assemble([chunk({ role: 'assistant', content: '' }), chunk({ reasoning_content: '' }), chunk({ content: 'Hi' }, 'stop')]);
    expect(empty.message).toMatchObject({ content: 'Hi', reasoning_content: '' });
    const none = assemble([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hi' }, 'stop')]);
    expect(none.message).toMatchObject({ content: 'Hi', reasoning_content: null });
  });

  it('treats the first chunk\'s content "" as framing: an empty reply is null', () => {
    const reply = assemble([chunk({ role: 'assistant', content: '' }), chunk({ tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, 'tool_calls')]);
    expect(reply.message.content).toBeNull();
    expect(reply.finish_reason).toBe('tool_calls');
    expect(reply.message.tool_calls).toEqual([{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }]);
  });
});
