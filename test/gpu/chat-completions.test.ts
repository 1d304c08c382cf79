/**
 * chat.completions.create on the fixture models, in-process: streamed and whole replies agree at
 * temperature 0; n choices; stop strings; max_tokens; usage and cached tokens; logprobs; Qwen3
 * reasoning with thinking on and off; abort frees the KV blocks; bad requests get OpenAI-named
 * typed errors while another request keeps running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import type { ChatCompletionCreateParamsNonStreaming } from '../../src/chat/chat-types.ts';
import { isLlmError } from '../../src/errors.ts';
import { collectStream } from '../support/chat-stream.ts';

const fixture = (name: string) => new URL(`../fixtures/${name}/`, import.meta.url).pathname;
let qwen2: LlmEngine;
let qwen3: LlmEngine;

beforeAll(async () => {
  qwen2 = await createEngine({ model: fixture('qwen2-bf16'), worker: false, maxModelLen: 512 });
  qwen3 = await createEngine({ model: fixture('qwen3-f32'), worker: false, maxModelLen: 512 });
  console.log(`[webgpu] adapter: ${qwen2.info.adapterName}`);
});
afterAll(async () => {
  await qwen2?.dispose();
  await qwen3?.dispose();
});

const hello = [{ role: 'user' as const, content: 'Hello there, how are you?' }];
const greedy = (extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}): ChatCompletionCreateParamsNonStreaming =>
  ({ model: 'fixture', messages: hello, temperature: 0, max_tokens: 12, ignore_eos: true, ...extra });

async function expectError(promise: Promise<unknown>, code: string, param: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(isLlmError(error), `expected an LlmError, got ${String(error)}`).toBe(true);
  expect({ code: (error as { code: string }).code, param: (error as { subject: string }).subject }).toEqual({ code, param });
  // The OpenAI SDK's view of an error: status, param and the `{error}` body.
  expect(error).toMatchObject({ status: 400, param, error: { type: 'invalid_request_error', param, code } });
}

describe('chat completions (qwen2-bf16)', () => {
  it('streams exactly the message the whole reply has, at temperature 0', async () => {
    const whole = await qwen2.chat.completions.create(greedy());
    expect(whole.object).toBe('chat.completion');
    expect(whole.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(whole.choices).toHaveLength(1);
    const message = whole.choices[0]!.message;
    expect(message.role).toBe('assistant');
    expect(typeof message.content).toBe('string');
    expect(message.tool_calls).toBeUndefined();
    expect(whole.choices[0]!.finish_reason).toBe('length');
    const streamed = await collectStream(await qwen2.chat.completions.create({ ...greedy(), stream: true, stream_options: { include_usage: true } }));
    expect(streamed.choices).toHaveLength(1);
    expect(streamed.choices[0]!.role).toBe('assistant');
    expect(streamed.choices[0]!.content).toBe(message.content);
    expect(streamed.choices[0]!.finish_reason).toBe('length');
    // The usage chunk comes last with no choices.
    expect(streamed.chunks.at(-1)!.choices).toEqual([]);
    expect(streamed.usage!.prompt_tokens).toBe(whole.usage!.prompt_tokens);
    expect(streamed.usage!.completion_tokens).toBe(12);
    expect(streamed.usage!.total_tokens).toBe(whole.usage!.total_tokens);
  });

  it('max_tokens ends with "length", usage adds up, and a repeated prompt reports cached tokens', async () => {
    const first = await qwen2.chat.completions.create(greedy({ max_tokens: 5, messages: [{ role: 'user', content: 'A fresh prompt nobody sent before, long enough to fill a block or two of sixteen tokens.' }] }));
    const usage = first.usage!;
    expect(first.choices[0]!.finish_reason).toBe('length');
    expect(usage.completion_tokens).toBe(5);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.prompt_tokens).toBeGreaterThan(20);
    // Earlier requests share the template's system prompt, so some blocks may already be cached.
    const cachedBefore = usage.prompt_tokens_details!.cached_tokens!;
    const again = await qwen2.chat.completions.create(greedy({ max_tokens: 5, messages: [{ role: 'user', content: 'A fresh prompt nobody sent before, long enough to fill a block or two of sixteen tokens.' }] }));
    const cached = again.usage!.prompt_tokens_details!.cached_tokens!;
    expect(cached).toBeGreaterThan(cachedBefore);
    expect(cached % 16).toBe(0);
    // Every full block but the one holding the last prompt token (always recomputed).
    expect(cached).toBe(Math.floor((usage.prompt_tokens - 1) / 16) * 16);
    expect(cached).toBeLessThan(usage.prompt_tokens);
    expect(again.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
  });

  it('n: 3 gives three choices, streamed too; a seed makes them reproducible', async () => {
    const params = greedy({ n: 3, temperature: 1, seed: 7, max_tokens: 8 });
    const whole = await qwen2.chat.completions.create(params);
    expect(whole.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(whole.usage!.completion_tokens).toBe(24);
    const contents = whole.choices.map((c) => c.message.content);
    expect(new Set(contents).size, 'choices draw with seeds 7, 8, 9').toBeGreaterThan(1);
    const streamed = await collectStream(await qwen2.chat.completions.create({ ...params, stream: true }));
    expect(streamed.choices.map((c) => c.content)).toEqual(contents);
    expect(streamed.choices.map((c) => c.finish_reason)).toEqual(['length', 'length', 'length']);
  });

  it('n choices share the prompt\'s KV blocks', async () => {
    const messages = [{ role: 'user' as const, content: 'Shared prompt for four choices: a long enough question to fill several sixteen-token blocks of the cache.' }];
    const before = await qwen2.stats();
    const reply = await qwen2.chat.completions.create(greedy({ n: 4, max_tokens: 3, messages }));
    const after = await qwen2.stats();
    const fullBlocks = Math.floor((reply.usage!.prompt_tokens - 1) / 16) * 16;
    expect(fullBlocks).toBeGreaterThanOrEqual(32);
    // Choices 1-3 reuse every full block choice 0 computes, in the same step.
    expect(after.prefixCacheHitTokens - before.prefixCacheHitTokens).toBeGreaterThanOrEqual(3 * fullBlocks);
    expect(new Set(reply.choices.map((c) => c.message.content)).size, 'greedy choices are equal').toBe(1);
  });

  it('stop strings end the reply before the match, streamed or not', async () => {
    const free = await qwen2.chat.completions.create(greedy({ max_tokens: 24 }));
    const text = free.choices[0]!.message.content!;
    // A stop string from the middle of the free-running text (not at its very start).
    const at = Math.floor(text.length / 2);
    const stop = text.slice(at, at + 3);
    const expected = text.slice(0, text.indexOf(stop));
    const whole = await qwen2.chat.completions.create(greedy({ max_tokens: 24, stop: ['never-appears', stop] }));
    expect(whole.choices[0]!.message.content ?? '').toBe(expected);
    expect(whole.choices[0]!.finish_reason).toBe('stop');
    const streamed = await collectStream(await qwen2.chat.completions.create({ ...greedy({ max_tokens: 24, stop }), stream: true }));
    expect(streamed.choices[0]!.content ?? '').toBe(expected);
    expect(streamed.choices[0]!.finish_reason).toBe('stop');
  });

  it('logprobs: one entry per completion token with top_logprobs alternatives', async () => {
    const reply = await qwen2.chat.completions.create(greedy({ max_tokens: 6, logprobs: true, top_logprobs: 3 }));
    const entries = reply.choices[0]!.logprobs!.content!;
    expect(entries).toHaveLength(reply.usage!.completion_tokens);
    for (const entry of entries) {
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      // Greedy: the sampled token is the most likely one.
      expect(entry.logprob).toBeCloseTo(entry.top_logprobs[0]!.logprob, 5);
      expect(entry.bytes).toEqual([...new TextEncoder().encode(entry.token)]);
    }
    // Token strings keep special tokens; the message skips them.
    expect(entries.map((e) => e.token).join('').replace(/<\|[a-z_]+\|>/g, '')).toBe(reply.choices[0]!.message.content);
    const streamed = await collectStream(await qwen2.chat.completions.create({ ...greedy({ max_tokens: 6, logprobs: true, top_logprobs: 3 }), stream: true }));
    expect(streamed.choices[0]!.logprobs).toBe(6);
  });

  it('an aborted stream rejects with an abort error and frees its KV blocks', async () => {
    const controller = new AbortController();
    const stream = await qwen2.chat.completions.create({ ...greedy({ max_tokens: 400 }), stream: true }, { signal: controller.signal });
    let chunks = 0;
    const error = await (async () => {
      for await (const _ of stream) if (++chunks === 4) controller.abort();
    })().then(() => undefined, (e: unknown) => e);
    expect(isLlmError(error, 'aborted')).toBe(true);
    expect(chunks).toBeLessThan(20);
    const stats = await qwen2.stats();
    expect(stats.running).toBe(0);
    expect(stats.blocksFree).toBe(stats.blocksTotal);
    // Breaking out of a stream early cancels it as well.
    const early = await qwen2.chat.completions.create({ ...greedy({ max_tokens: 400 }), stream: true });
    for await (const _ of early) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await qwen2.stats()).blocksFree).toBe(stats.blocksTotal);
  });

  it('bad requests get typed errors naming the field while another request keeps running', async () => {
    const running = qwen2.chat.completions.create(greedy({ max_tokens: 10 }));
    const bad = (params: Record<string, unknown>) => qwen2.chat.completions.create({ ...greedy(), ...params } as ChatCompletionCreateParamsNonStreaming);
    await expectError(bad({ frobnicate: 1 }), 'invalid_argument', 'frobnicate');
    await expectError(bad({ temperature: 'hot' }), 'invalid_argument', 'temperature');
    await expectError(bad({ messages: [] }), 'invalid_argument', 'messages');
    await expectError(bad({ n: 0 }), 'invalid_argument', 'n');
    await expectError(bad({ top_logprobs: 2 }), 'invalid_argument', 'top_logprobs');
    await expectError(bad({ stream_options: { include_usage: true } }), 'invalid_argument', 'stream_options');
    await expectError(bad({ tools: [] }), 'invalid_argument', 'tools');
    await expectError(bad({ tool_choice: 'required' }), 'invalid_argument', 'tool_choice');
    await expectError(bad({ tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'nope' } } }), 'invalid_argument', 'tool_choice');
    await expectError(bad({ max_tokens: 600 }), 'context_length_exceeded', 'max_tokens');
    await expectError(bad({ messages: [{ role: 'user', content: 'word '.repeat(600) }], max_tokens: undefined }), 'context_length_exceeded', 'messages');
    const error = await bad({ messages: [...hello, { role: 'tool', tool_call_id: 'call-x', content: '1' }] }).catch((e: unknown) => e);
    expect(isLlmError(error, 'invalid_argument')).toBe(true);
    expect((error as { subject: string }).subject).toMatch(/^messages\[1\]/);
    const ok = await running;
    expect(ok.choices[0]!.finish_reason).toBe('length');
    expect(ok.usage!.completion_tokens).toBe(10);
    expect((await qwen2.stats()).blocksFree).toBe((await qwen2.stats()).blocksTotal);
  });

  it('lists the served model', async () => {
    const list = await qwen2.models.list();
    expect(list.object).toBe('list');
    expect(list.data.map((m) => m.id)).toEqual(['qwen2-bf16']);
    expect(list.data[0]!.max_model_len).toBe(512);
  });
});

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('Qwen3 reasoning (qwen3-f32)', () => {
  it('engine.info names the reasoning parser the template calls for (none for Qwen2.5)', () => {
    expect(qwen3.info.reasoningParser).toBe('qwen3');
    expect(qwen2.info.reasoningParser).toBeUndefined();
  });

  it('with thinking on, unclosed output is all reasoning; with it off, all content — streamed alike', async () => {
    const thinking = await qwen3.chat.completions.create(greedy({ max_tokens: 10 }));
    const message = thinking.choices[0]!.message as { content: string | null; reasoning_content?: string | null };
    const text = message.reasoning_content ?? '';
    // The random fixture never closes </think>: everything it wrote is reasoning.
    expect(text.length).toBeGreaterThan(0);
    expect(message.content).toBeNull();
    const streamed = await collectStream(await qwen3.chat.completions.create({ ...greedy({ max_tokens: 10 }), stream: true }));
    expect(streamed.choices[0]!.reasoning_content).toBe(message.reasoning_content);
    expect(streamed.choices[0]!.content).toBeNull();

    const off = greedy({ max_tokens: 10, chat_template_kwargs: { enable_thinking: false } });
    const plain = await qwen3.chat.completions.create(off);
    const plainMessage = plain.choices[0]!.message as { content: string | null; reasoning_content?: string | null };
    expect(plainMessage.reasoning_content).toBeNull();
    expect(plainMessage.content?.length).toBeGreaterThan(0);
    // The template closed the think block in the prompt, so the prompt is longer.
    expect(plain.usage!.prompt_tokens).toBeGreaterThan(thinking.usage!.prompt_tokens);
    const plainStream = await collectStream(await qwen3.chat.completions.create({ ...off, stream: true }));
    expect(plainStream.choices[0]!.content).toBe(plainMessage.content);
    expect(plainStream.choices[0]!.reasoning_content).toBeNull();
  });
});
