/**
 * How an API request's prefill reports become `prefill_progress` values (prefill-progress.ts): the
 * reports of one engine step (one synchronous run) become one value, sent before a token chunk
 * that flushes it or once the run is over; a count that did not grow sends nothing; choices of a
 * prompt share it (the furthest counts) and prompts add up. And runTools passes progress chunks
 * through as 'progress' events, rebuilding the same completion as without them.
 */
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, PrefillProgress } from '../../src/chat/chat-types.ts';
import { PrefillProgressChunks } from '../../src/chat/prefill-progress.ts';
import { runTools, type ToolRunEvent } from '../../src/tools/tool-runner.ts';
import { chunksOf, completion, ScriptedChatApi } from '../support/scripted-chat-api.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PrefillProgressChunks', () => {
  it('sends one value per synchronous run of reports, when the count grew', async () => {
    const sent: PrefillProgress[] = [];
    const progress = new PrefillProgressChunks([100, 40], (value) => sent.push(value));
    // One step: two choices of prompt 0 and prompt 1 report.
    progress.note(0, 32);
    progress.note(0, 16); // a choice behind the other: the furthest counts
    progress.note(1, 8);
    expect(sent).toEqual([]);
    await settle();
    expect(sent).toEqual([{ processed_tokens: 40, total_tokens: 140 }]);
    // A step whose reports did not move any prompt forward sends nothing.
    progress.note(0, 32);
    await settle();
    expect(sent).toHaveLength(1);
  });

  it('a token chunk flushes the step\'s value first, and the value is not sent twice', async () => {
    const order: string[] = [];
    const progress = new PrefillProgressChunks([50], (value) => order.push(`progress ${value.processed_tokens}`));
    progress.note(0, 50);
    progress.flush();
    order.push('token');
    progress.flush();
    await settle();
    expect(order).toEqual(['progress 50', 'token']);
  });
});

describe('runTools with prefill progress chunks', () => {
  it("emits them as 'progress' events and rebuilds the same completion", async () => {
    const reply = completion({ content: 'Sunny in Paris.' });
    const base = chunksOf(reply);
    const progressChunk = (processed: number): ChatCompletionChunk => ({
      id: reply.id, object: 'chat.completion.chunk', created: reply.created, model: reply.model, choices: [],
      prefill_progress: { processed_tokens: processed, total_tokens: 90 },
    });
    const withProgress = [base[0]!, progressChunk(32), progressChunk(64), progressChunk(90), ...base.slice(1)];
    const api = new ScriptedChatApi([{ chunks: withProgress }, { chunks: base }]);
    const messages = [{ role: 'user' as const, content: 'Weather?' }];
    const run = runTools(api, { model: 'm', messages, stream: true, stream_options: { include_progress: true } });
    const events: ToolRunEvent[] = [];
    run.on('progress', (event) => events.push(event));
    run.on('content', (event) => events.push(event));
    const result = await run.done();
    expect(events.filter((event) => event.type === 'progress')).toEqual([
      { type: 'progress', round: 1, processedTokens: 32, totalTokens: 90 },
      { type: 'progress', round: 1, processedTokens: 64, totalTokens: 90 },
      { type: 'progress', round: 1, processedTokens: 90, totalTokens: 90 },
    ]);
    expect(events.findIndex((event) => event.type === 'content')).toBe(3);
    expect(api.requests[0]!.params.stream_options).toEqual({ include_progress: true });
    const plain = await runTools(api, { model: 'm', messages, stream: true }).done();
    expect(result.completions).toEqual(plain.completions);
  });
});
