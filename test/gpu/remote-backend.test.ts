/**
 * `createEngine({ baseURL, apiKey, model })` against this project's own server, in-process on the
 * trained tiny tool model: the same LlmEngine surface over HTTP (chat whole and streamed equal to
 * the local engine's greedy reply, completions, models, engine.fetch, runTools with a tool run in
 * this process), stats read from /metrics, an abort mid-stream that frees the server's KV blocks,
 * and failures as the local engine's error codes (wrong key, unknown model, server down, bad field).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatCompletionTool } from '../../src/chat/chat-types.ts';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import type { RunnableTool } from '../../src/tools/tool-runner.ts';
import { isLlmError, LlmError } from '../../src/errors.ts';
import { startOpenAIServer, type OpenAIServer } from '../../src/server/openai-server.ts';

const folder = fileURLToPath(new URL('../../public/models/tiny-tool-qwen/', import.meta.url));
const tools = JSON.parse(readFileSync(`${folder}tools.json`, 'utf-8')) as ChatCompletionTool[];
const MODEL = 'tiny-tool-qwen';
const API_KEY = 'test-key';

let local: LlmEngine;
let server: OpenAIServer;
let baseURL: string;
let remote: LlmEngine;

beforeAll(async () => {
  local = await createEngine({ model: folder, worker: false, modelId: MODEL });
  console.log(`[webgpu] adapter: ${local.info.adapterName}`);
  server = await startOpenAIServer(local, { port: 0, apiKey: API_KEY });
  baseURL = `${server.url}/v1`;
  remote = await createEngine({ baseURL, apiKey: API_KEY, model: MODEL });
});
afterAll(async () => {
  await remote?.dispose();
  await server?.close(0);
  await local?.dispose();
});

const rejection = async (promise: Promise<unknown>): Promise<LlmError> => {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!isLlmError(error)) throw new Error(`expected an LlmError, got ${String(error)}`);
  return error;
};

/** The server engine once the last request has left it (the abort lands at its next step). */
async function settled(): Promise<Awaited<ReturnType<LlmEngine['stats']>>> {
  for (let tries = 0; tries < 200; tries++) {
    const stats = await local.stats();
    if (stats.running === 0 && stats.waiting === 0) return stats;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the server engine still has requests');
}

const greeting = { model: MODEL, messages: [{ role: 'user' as const, content: 'Hello!' }], tools, temperature: 0, max_tokens: 48 };

describe('remote engine: the LlmEngine surface over HTTP', () => {
  it('fills info from the server', () => {
    expect(remote.info).toMatchObject({ adapterName: `remote ${server.url}`, maxModelLen: local.info.maxModelLen, location: `${baseURL}/` });
    expect(remote.info.maxModelLen).toBeGreaterThan(0);
  });

  it('chat whole and streamed give the local engine\'s greedy reply', async () => {
    const expected = await local.chat.completions.create(greeting);
    const whole = await remote.chat.completions.create(greeting);
    expect(whole.object).toBe('chat.completion');
    expect(whole.choices[0]!.message.content).toBe(expected.choices[0]!.message.content);
    // cached_tokens differ: the second run of the prompt hits the prefix cache.
    expect([whole.usage?.prompt_tokens, whole.usage?.completion_tokens]).toEqual([expected.usage?.prompt_tokens, expected.usage?.completion_tokens]);
    const stream = await remote.chat.completions.create({ ...greeting, stream: true, stream_options: { include_usage: true } });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(expected.choices[0]!.message.content);
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(expected.usage?.completion_tokens);
  });

  it('completions, models.list and engine.fetch', async () => {
    const prompt = { model: MODEL, prompt: 'The weather', max_tokens: 8, temperature: 0 };
    const expected = await local.completions.create(prompt);
    const got = await remote.completions.create(prompt);
    expect(got.choices[0]!.text).toBe(expected.choices[0]!.text);
    expect((await remote.models.list()).data.map((card) => card.id)).toEqual([MODEL]);
    const response = await remote.fetch('http://anything/v1/chat/completions', { method: 'POST', body: JSON.stringify({ ...greeting, stream: true }) });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(await response.text()).toMatch(/data: \[DONE\]\n\n$/);
  });

  it('runTools: the model on the server calls a tool that runs here', async () => {
    const seen: unknown[] = [];
    const withRun = tools.map((tool) => ({
      ...(tool as Omit<RunnableTool, 'run'>),
      run: (args: { city?: string }) => {
        seen.push({ name: tool.type === 'function' ? tool.function.name : tool.type, args });
        return { city: args.city, temperature_c: 23, condition: 'cloudy' };
      },
    }));
    const result = await remote.runTools({
      model: MODEL, messages: [{ role: 'user', content: 'What is the weather in Paris?' }], tools: withRun, temperature: 0, max_tokens: 96,
    }).done();
    expect(seen).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    expect(result.rounds).toBe(2);
    expect(result.finalContent).toContain('23');
  });

  it('stats() reads the server engine\'s counters from /metrics', async () => {
    const [mine, theirs] = [await remote.stats(), await local.stats()];
    expect(mine).toMatchObject({
      finishedRequests: theirs.finishedRequests, generatedTokens: theirs.generatedTokens, running: 0, kvCacheUsage: theirs.blocksUsed / theirs.blocksTotal,
      blocksTotal: theirs.blocksTotal, blocksFree: theirs.blocksFree, blockSize: theirs.blockSize, maxRunning: theirs.maxRunning, steps: theirs.steps,
    });
    expect(mine.timeToFirstTokenSeconds.count).toBe(theirs.timeToFirstTokenSeconds.count);
  });
});

describe('remote engine: abort', () => {
  it('breaking out of a stream closes it; the server aborts the request and frees its KV blocks', async () => {
    const before = await settled();
    const stream = await remote.chat.completions.create({ ...greeting, max_tokens: 400, ignore_eos: true, stream: true });
    let received = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) received++;
      if (received === 3) break;
    }
    const after = await settled();
    expect(after.abortedRequests).toBe(before.abortedRequests + 1);
    expect(after.blocksFree).toBe(after.blocksTotal);
    expect(after.generatedTokens - before.generatedTokens).toBeLessThan(400);
    expect((await remote.stats()).abortedRequests).toBe(after.abortedRequests);
  });

  it('a signal aborts a whole request with aborted, and the server frees it too', async () => {
    const before = await settled();
    const controller = new AbortController();
    const pending = remote.chat.completions.create({ ...greeting, max_tokens: 400, ignore_eos: true }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    expect((await rejection(pending)).code).toBe('aborted');
    const after = await settled();
    expect(after.abortedRequests).toBe(before.abortedRequests + 1);
    expect(after.blocksFree).toBe(after.blocksTotal);
  });
});

describe('remote engine: failures as LlmError codes', () => {
  it('a wrong key is authentication_failed (401)', async () => {
    const error = await rejection(createEngine({ baseURL, apiKey: 'wrong', model: MODEL }));
    expect([error.code, error.status]).toEqual(['authentication_failed', 401]);
  });

  it('an unknown model is invalid_argument on model, listing the served ones', async () => {
    const error = await rejection(createEngine({ baseURL, apiKey: API_KEY, model: 'Qwen/Qwen3-8B' }));
    expect([error.code, error.subject]).toEqual(['invalid_argument', 'model']);
    expect(error.message).toContain(MODEL);
  });

  it('a server that is down is network_error naming the host', async () => {
    const gone = await startOpenAIServer(local, { port: 0 });
    await gone.close(0);
    const error = await rejection(createEngine({ baseURL: `${gone.url}/v1`, model: MODEL }));
    expect(error.code).toBe('network_error');
    expect(error.message).toContain(new URL(gone.url).host);
  });

  it('a bad request is invalid_argument with the param, whole and streamed, before any chunk', async () => {
    for (const stream of [false, true]) {
      const error = await rejection(remote.chat.completions.create({ ...greeting, temperature: -1, stream }));
      expect([error.code, error.subject, error.status]).toEqual(['invalid_argument', 'temperature', 400]);
    }
  });
});
