/**
 * The real `openai` client over `createOpenAIFetch(engine)` on the qwen2-bf16 fixture, in-process:
 * a whole chat and a streamed one at temperature 0, whose concatenated deltas equal the whole
 * reply's message; and an engine error arriving as the client's BadRequestError.
 */
import OpenAI, { BadRequestError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { loadFixtureEngine } from '../support/fixture-engine.ts';
import { createOpenAIFetch } from '../../src/api/openai-fetch.ts';

let engine: LlmEngine;
let client: OpenAI;

beforeAll(async () => {
  engine = await loadFixtureEngine('qwen2-bf16', { maxModelLen: 512 });
  client = new OpenAI({ baseURL: 'http://localhost/v1', apiKey: 'x', fetch: createOpenAIFetch(engine), dangerouslyAllowBrowser: true, maxRetries: 0 });
});
afterAll(async () => {
  await engine?.dispose();
});

const request = {
  model: 'fixture',
  messages: [{ role: 'user' as const, content: 'Hello there, how are you?' }],
  max_tokens: 8,
  temperature: 0,
};

describe('openai client over createOpenAIFetch (qwen2-bf16)', () => {
  it('completes a chat, and the streamed chat concatenates to the same message', async () => {
    const whole = await client.chat.completions.create(request);
    expect(whole.object).toBe('chat.completion');
    const message = whole.choices[0]!.message;
    expect(message.role).toBe('assistant');
    expect(typeof message.content).toBe('string');
    expect(whole.usage!.completion_tokens).toBeGreaterThan(0);
    expect(whole.usage!.completion_tokens).toBeLessThanOrEqual(8);

    const stream = await client.chat.completions.create({ ...request, stream: true });
    let content = '';
    let finishReason: string | null = null;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      ids.add(chunk.id);
      content += chunk.choices[0]?.delta.content ?? '';
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    expect(ids.size).toBe(1);
    expect(content).toBe(message.content ?? '');
    expect(finishReason).toBe(whole.choices[0]!.finish_reason);
  });

  it('lists the model and reports a bad request as BadRequestError', async () => {
    const page = await client.models.list();
    expect(page.data).toHaveLength(1);
    const error = await client.chat.completions.create({ ...request, temperature: -1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'temperature' });
  });
});
