/**
 * stream_options.include_progress on a random-weight fixture (qwen2-bf16) with 32-token steps, so a
 * long prompt is prefilled over several steps: the stream carries `prefill_progress` chunks that
 * grow strictly, end at the whole prompt (usage.prompt_tokens) and all come before the first
 * content; the same chunks come through engine.fetch's SSE; a concurrent request that did not ask
 * gets none and is unchanged; the completions API counts all its prompts; a bad value is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming, PrefillProgress } from '../../src/chat/chat-types.ts';
import type { CompletionChunk } from '../../src/chat/completion-types.ts';
import { collectStream } from '../support/chat-stream.ts';

const fixture = new URL('../fixtures/qwen2-bf16/', import.meta.url).pathname;
let engine: LlmEngine;

beforeAll(async () => {
  engine = await createEngine({ model: fixture, worker: false, maxModelLen: 512, maxNumBatchedTokens: 32 });
});
afterAll(async () => engine?.dispose());

// A different start each time, so no request finds another's prompt in the prefix cache.
const longMessage = (tag: string) => `Please summarise (${tag}): ${'the quick brown fox jumps over the lazy dog '.repeat(12)}`;
const request = (content: string, extra: Partial<ChatCompletionCreateParamsStreaming> = {}): ChatCompletionCreateParamsStreaming => ({
  model: 'fixture', messages: [{ role: 'user', content }], temperature: 0, max_tokens: 6, ignore_eos: true, stream: true, ...extra,
});
const withProgress = { stream_options: { include_usage: true, include_progress: true } };

/** The progress values of a stream, checking each such chunk has no choices and a progress only. */
function progressOf(chunks: readonly (ChatCompletionChunk | CompletionChunk)[]): PrefillProgress[] {
  return chunks.flatMap((chunk) => {
    if (chunk.prefill_progress === undefined) return [];
    expect(chunk.choices).toEqual([]);
    return [chunk.prefill_progress];
  });
}

/** Progress grows strictly, ends at the prompt's length and comes before any text. */
function expectProgress(chunks: readonly ChatCompletionChunk[], promptTokens: number, minChunks: number): void {
  const progress = progressOf(chunks);
  expect(progress.length).toBeGreaterThanOrEqual(minChunks);
  for (const value of progress) expect(value.total_tokens).toBe(promptTokens);
  const counts = progress.map((value) => value.processed_tokens);
  counts.slice(1).forEach((count, i) => expect(count).toBeGreaterThan(counts[i]!));
  expect(counts.at(-1)).toBe(promptTokens);
  const lastProgress = chunks.map((chunk) => chunk.prefill_progress !== undefined).lastIndexOf(true);
  const firstText = chunks.findIndex((chunk) => chunk.choices.some((choice) => (choice.delta.content ?? '') !== ''));
  expect(firstText).toBeGreaterThan(lastProgress);
}

describe('stream_options.include_progress', () => {
  it('a long prompt streams growing prefill progress before its first token; a concurrent request without it gets none', async () => {
    const [asked, quiet] = await Promise.all([
      engine.chat.completions.create(request(longMessage('first'), withProgress)).then(collectStream),
      engine.chat.completions.create(request(`Another long one: ${'lorem ipsum dolor sit amet '.repeat(14)}`, { stream_options: { include_usage: true } })).then(collectStream),
    ]);
    const promptTokens = asked.usage!.prompt_tokens;
    expect(promptTokens).toBeGreaterThan(3 * 32);
    expectProgress(asked.chunks, promptTokens, 4);
    // Still a valid stream: the role chunk first, then the text, usage last.
    expect(asked.chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(asked.choices[0]!.finish_reason).toBe('length');
    expect(progressOf(quiet.chunks)).toEqual([]);
    // Asking changes nothing else: the same request without it streams the same choices, less the progress chunks.
    const plain = await collectStream(await engine.chat.completions.create(request(longMessage('first'), { stream_options: { include_usage: true } })));
    const choices = (chunks: readonly ChatCompletionChunk[]) => chunks.filter((chunk) => chunk.prefill_progress === undefined).map((chunk) => chunk.choices);
    expect(choices(asked.chunks)).toEqual(choices(plain.chunks));
    expect(plain.chunks.every((chunk) => !('prefill_progress' in chunk))).toBe(true);
  });

  it('comes through engine.fetch as SSE events; a prompt computed in one step gets one, at its length', async () => {
    const response = await engine.fetch('http://localhost/v1/chat/completions', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request(longMessage('fetch'), withProgress)),
    });
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter((event) => event.startsWith('data: ') && event !== 'data: [DONE]');
    const chunks = events.map((event) => JSON.parse(event.slice('data: '.length)) as ChatCompletionChunk);
    const usage = chunks.at(-1)!.usage!;
    expectProgress(chunks, usage.prompt_tokens, 4);

    // With continuous usage, the progress chunk carries usage too, as every chunk does.
    const continuous = { stream_options: { include_usage: true, continuous_usage_stats: true, include_progress: true } };
    const short = await collectStream(await engine.chat.completions.create(request('Hi', continuous)));
    const promptTokens = short.usage!.prompt_tokens;
    expect(progressOf(short.chunks)).toEqual([{ processed_tokens: promptTokens, total_tokens: promptTokens }]);
    expect(short.chunks.every((chunk) => chunk.usage !== undefined)).toBe(true);
  });

  it('n: 2 choices share one progress; the completions API adds its prompts up', async () => {
    const two = await collectStream(await engine.chat.completions.create(request(longMessage('two choices'), { ...withProgress, n: 2, temperature: 1, seed: 3 })));
    expectProgress(two.chunks, two.usage!.prompt_tokens, 4);
    expect(two.choices).toHaveLength(2);

    const stream = await engine.completions.create({
      model: 'fixture', prompt: [longMessage('completions'), 'A short one'], max_tokens: 3, temperature: 0, stream: true, ...withProgress,
    });
    const chunks: CompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const progress = progressOf(chunks);
    const promptTokens = chunks.at(-1)!.usage!.prompt_tokens;
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toEqual({ processed_tokens: promptTokens, total_tokens: promptTokens });
    progress.slice(1).forEach((value, i) => expect(value.processed_tokens).toBeGreaterThan(progress[i]!.processed_tokens));
  });

  it('a value that is not a boolean is a 400 naming stream_options.include_progress, over fetch too', async () => {
    const bad = request('Hi', { stream_options: { include_progress: 'yes' } } as never);
    await expect(engine.chat.completions.create(bad)).rejects.toMatchObject({ code: 'invalid_argument', subject: 'stream_options.include_progress' });
    const response = await engine.fetch('http://localhost/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bad) });
    expect(response.status).toBe(400);
    const body = await response.json() as { error: { param: string; message: string } };
    expect(body.error.param).toBe('stream_options.include_progress');
    expect(body.error.message).toMatch(/^stream_options\.include_progress: /);
  });
});
