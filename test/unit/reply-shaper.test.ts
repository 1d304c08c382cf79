/** vLLM's reply-shaping fields: echo, include_reasoning: false and continuous usage, streamed and whole alike. */
import { describe, expect, it } from 'vitest';
import { parseChatParams } from '../../src/chat/chat-params.ts';
import { ChunkFactory } from '../../src/chat/chat-response.ts';
import { replyShaper } from '../../src/chat/reply-shaper.ts';
import type { StreamDelta } from '../../src/chat/types.ts';

const messages = [{ role: 'user', content: 'Hi' }];
const output = (tokens: number) => ({ requestId: 'r', tokenIds: Array.from({ length: tokens }, () => 1), numPromptTokens: 7, numCachedTokens: 3 });

describe('replyShaper', () => {
  it('echo starts the message and the stream with the given text', () => {
    const shape = replyShaper(parseChatParams({ messages, echo: true }), 'Once upon', 7);
    expect(shape.echo).toEqual([{ content: 'Once upon' }]);
    expect(shape.message({ content: ' a time', reasoningContent: null, toolCalls: [] }).content).toBe('Once upon a time');
    expect(shape.message({ content: null, reasoningContent: null, toolCalls: [] }).content).toBe('Once upon');
    expect(replyShaper(parseChatParams({ messages }), '', 7).echo).toEqual([]);
  });

  it('include_reasoning: false drops reasoning from deltas and the message, and only then', () => {
    const deltas: StreamDelta[] = [{ reasoning_content: 'hmm' }, { content: 'Hello' }];
    const hidden = replyShaper(parseChatParams({ messages, include_reasoning: false }), '', 7);
    expect(hidden.deltas(deltas)).toEqual([{ content: 'Hello' }]);
    expect(hidden.message({ content: 'Hello', reasoningContent: 'hmm', toolCalls: [] }).reasoningContent).toBeNull();
    const shown = replyShaper(parseChatParams({ messages }), '', 7);
    expect(shown.deltas(deltas)).toEqual(deltas);
    expect(shown.message({ content: 'Hello', reasoningContent: 'hmm', toolCalls: [] }).reasoningContent).toBe('hmm');
  });

  it('continuous usage: each chunk carries its choice\'s tokens so far; without it, none', () => {
    const params = parseChatParams({ messages, n: 2, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } });
    const shape = replyShaper(params, '', 7);
    const chunks = new ChunkFactory({ id: 'chatcmpl-x', created: 1, model: 'm' });
    shape.count(1, output(2));
    shape.count(1, output(1));
    expect(shape.chunks(1, [chunks.role(1)])[0]!.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, prompt_tokens_details: { cached_tokens: 3 } });
    expect(shape.chunks(0, [chunks.role(0)])[0]!.usage).toMatchObject({ completion_tokens: 0 });
    const plain = replyShaper(parseChatParams({ messages, stream: true, stream_options: { include_usage: true } }), '', 7);
    expect(plain.chunks(0, [chunks.role(0)])[0]!.usage).toBeUndefined();
  });
});
