/**
 * The OpenAI-compatible HTTP server on a fixture model (qwen2-bf16, random weights: the text is
 * gibberish, so checks are on shapes, counts and the engine's own statistics), over real HTTP on
 * 127.0.0.1 with the official `openai` client as its docs write it: chat whole and streamed,
 * completions, models; the bearer key; /metrics moving with the requests; 16 clients batched
 * together; a client that hangs up mid-stream frees its request; 413, 404, CORS; and a shutdown
 * that aborts what outlives its grace.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { startOpenAIServer, type OpenAIServer } from '../../src/server/openai-server.ts';
import { loadFixtureEngine } from '../support/fixture-engine.ts';
import { metricValue, parseMetrics, type Sample } from '../support/prometheus-text.ts';

const model = 'qwen2-bf16';
const apiKey = 'sk-test-serve-key';
const origin = 'http://app.example';
// vLLM's extension, sent as an extra body field: exact token counts whatever the random model says.
const exactly = (maxTokens: number) => ({ max_tokens: maxTokens, ignore_eos: true } as { max_tokens: number });

let engine: LlmEngine;
let server: OpenAIServer;
let client: OpenAI;

beforeAll(async () => {
  engine = await loadFixtureEngine(model);
  server = await startOpenAIServer(engine, { port: 0, apiKey, corsOrigin: origin });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await server?.close(1_000);
  await engine?.dispose();
});

async function scrape(): Promise<Sample[]> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseMetrics(await response.text());
}

/** Polls the engine until `done` holds (the server finishes an abort after the client has left). */
async function until(done: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out waiting on the engine');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const prompt = (i: number) => [{ role: 'user' as const, content: `request ${i}: say something` }];

describe('serve: OpenAI-compatible HTTP on qwen2-bf16', () => {
  it('answers chat whole and streamed, completions and models.list through the openai client', async () => {
    const whole = await client.chat.completions.create({ model, messages: prompt(0), ...exactly(6) });
    expect(whole.object).toBe('chat.completion');
    expect(whole.model).toBe(model);
    expect(whole.choices[0]!.message.role).toBe('assistant');
    expect(whole.choices[0]!.finish_reason).toBe('length');
    expect(whole.usage!.completion_tokens).toBe(6);

    const stream = await client.chat.completions.create({ model, messages: prompt(1), ...exactly(5), stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0]!.id)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['length']);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(5);

    const completion = await client.completions.create({ model, prompt: 'Once upon a time', ...exactly(4) });
    expect(completion.object).toBe('text_completion');
    expect(typeof completion.choices[0]!.text).toBe('string');
    expect(completion.usage!.completion_tokens).toBe(4);

    const models = await client.models.list();
    expect(models.data.map((entry) => entry.id)).toEqual([model]);
  });

  it('refuses /v1 without the key or with a wrong one (401, invalid_api_key); /health and /metrics stay open', async () => {
    const wrong = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    const error = await wrong.chat.completions.create({ model, messages: prompt(2), max_tokens: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    // A key one character off fails too (the comparison covers the whole key).
    const close = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: `${apiKey.slice(0, -1)}X`, maxRetries: 0 });
    await expect(close.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const none = await fetch(`${server.url}/v1/models`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
  });

  it('moves the /metrics counters and histograms by what a request used', async () => {
    const before = await scrape();
    const done = await client.chat.completions.create({ model, messages: prompt(3), ...exactly(7) });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = { model_name: model }) => metricValue(after, `webgpu_llm:${name}`, labels) - metricValue(before, `webgpu_llm:${name}`, labels);
    console.log(`[serve] metrics delta: prompt ${delta('prompt_tokens_total')}, generation ${delta('generation_tokens_total')}, ttft count ${delta('time_to_first_token_seconds_count')}, itl count ${delta('inter_token_latency_seconds_count')}`);
    expect(delta('prompt_tokens_total')).toBe(done.usage!.prompt_tokens);
    expect(delta('generation_tokens_total')).toBe(7);
    expect(delta('request_success_total')).toBe(1);
    expect(delta('request_aborted_total')).toBe(0);
    expect(delta('time_to_first_token_seconds_count')).toBe(1);
    expect(delta('inter_token_latency_seconds_count')).toBe(6);
    expect(delta('http_requests_total', { route: '/v1/chat/completions', status: '200' })).toBe(1);
    // The scrape before this one was counted too (it ended before `after` was taken).
    expect(delta('http_requests_total', { route: '/metrics', status: '200' })).toBe(1);
    expect(metricValue(after, 'webgpu_llm:num_requests_running', { model_name: model })).toBe(0);
    expect(metricValue(after, 'webgpu_llm:kv_cache_usage_perc', { model_name: model })).toBe(0);
    const buckets = after.filter((sample) => sample.name === 'webgpu_llm:time_to_first_token_seconds_bucket').map((sample) => sample.value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(buckets.at(-1)).toBe(metricValue(after, 'webgpu_llm:time_to_first_token_seconds_count'));
  });

  it('batches 16 concurrent clients: several requests run in one batch', async () => {
    let sampledMax = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        sampledMax = Math.max(sampledMax, metricValue(await scrape(), 'webgpu_llm:num_requests_running', { model_name: model }));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => client.chat.completions.create({ model, messages: prompt(100 + i), ...exactly(12) })));
    sampling = false;
    await sampler;
    await until(async () => (await engine.stats()).running === 0);
    const stats = await engine.stats();
    console.log(`[serve] 16 clients: engine maxRunning ${stats.maxRunning}, running gauge sampled up to ${sampledMax}`);
    expect(results.map((result) => result.usage!.completion_tokens)).toEqual(new Array(16).fill(12));
    expect(stats.maxRunning).toBeGreaterThanOrEqual(8);
    expect(sampledMax).toBeGreaterThanOrEqual(2);
    expect(stats.blocksFree).toBe(stats.blocksTotal);
  });

  it('aborts the request when a streaming client hangs up mid-stream, and frees its KV blocks', async () => {
    const before = await engine.stats();
    const stream = await client.chat.completions.create({ model, messages: prompt(4), ...exactly(2000), stream: true });
    let received = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) received++;
      if (received === 3) break; // leaving the loop aborts the SDK's fetch: the connection closes
    }
    // Events arrive as they are made: the request is still generating when the client has three.
    expect(received).toBe(3);
    await until(async () => (await engine.stats()).abortedRequests > before.abortedRequests);
    await until(async () => (await engine.stats()).running === 0);
    const after = await engine.stats();
    console.log(`[serve] hang-up: aborted ${before.abortedRequests} → ${after.abortedRequests}, tokens generated meanwhile ${after.generatedTokens - before.generatedTokens} of 2000`);
    expect(after.abortedRequests).toBe(before.abortedRequests + 1);
    expect(after.finishedRequests).toBe(before.finishedRequests);
    expect(after.generatedTokens - before.generatedTokens).toBeLessThan(2000);
    expect(after.blocksFree).toBe(after.blocksTotal);
  });

  it('answers a body over 8 MiB with 413 and unknown routes with 404, both OpenAI-shaped', async () => {
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const big = JSON.stringify({ model, prompt: 'x'.repeat(8 * 1024 * 1024), max_tokens: 1 });
    const tooLarge = await fetch(`${server.url}/v1/completions`, { method: 'POST', headers, body: big });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ error: { message: expect.stringContaining('8388608'), type: 'invalid_request_error', param: null, code: null } });
    // Without a Content-Length (chunked), the server counts as it reads and stops past the limit.
    const megabyte = new TextEncoder().encode('x'.repeat(1024 * 1024));
    let sent = 0;
    const chunked = new ReadableStream<Uint8Array>({ pull: (controller) => (sent++ < 9 ? controller.enqueue(megabyte) : controller.close()) });
    const counted = await fetch(`${server.url}/v1/completions`, { method: 'POST', headers, body: chunked, duplex: 'half' } as RequestInit);
    expect(counted.status).toBe(413);
    expect((await counted.json() as { error: { type: string } }).error.type).toBe('invalid_request_error');

    for (const [method, path] of [['GET', '/v1/nothing'], ['POST', '/v1/chat/completion'], ['GET', '/']] as const) {
      const response = await fetch(`${server.url}${path}`, { method, headers, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null } });
    }
    // A known route with the wrong method.
    expect((await fetch(`${server.url}/v1/chat/completions`, { headers })).status).toBe(405);
  });

  it('answers CORS preflights for the configured origin only, and a server without --cors-origin sends no CORS headers', async () => {
    const preflight = (url: string, from: string) => fetch(`${url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-stainless-os' },
    });
    const allowed = await preflight(server.url, origin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')!.split(', ')).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-stainless-os']));
    expect((await preflight(server.url, 'http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const models = await fetch(`${server.url}/v1/models`, { headers: { origin, authorization: `Bearer ${apiKey}` } });
    expect(models.headers.get('access-control-allow-origin')).toBe(origin);

    const plain = await startOpenAIServer(engine, { port: 0 });
    try {
      const refused = await preflight(plain.url, origin);
      expect(refused.status).toBe(405);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.close(0);
    }
  });

  it('close(grace) lets a request finish within the grace and aborts one that outlives it', async () => {
    const other = await startOpenAIServer(engine, { port: 0 });
    const otherClient = new OpenAI({ baseURL: `${other.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const before = await engine.stats();
    const short = otherClient.chat.completions.create({ model, messages: prompt(5), ...exactly(8) });
    const long = await otherClient.chat.completions.create({ model, messages: prompt(6), ...exactly(3000), stream: true });
    const iterator = long[Symbol.asyncIterator]();
    await iterator.next(); // the long request is running
    const closed = other.close(3_000);
    expect((await short).usage!.completion_tokens).toBe(8);
    // The long stream is cut after the grace: its reader fails or ends without a finish_reason.
    let finished = false;
    try {
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) finished ||= next.value.choices[0]?.finish_reason != null;
    } catch {
      // the connection was cut
    }
    await closed;
    expect(finished).toBe(false);
    await until(async () => (await engine.stats()).running === 0);
    const after = await engine.stats();
    expect(after.abortedRequests).toBe(before.abortedRequests + 1);
    expect(after.finishedRequests).toBe(before.finishedRequests + 1);
    expect(after.blocksFree).toBe(after.blocksTotal);
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
  });
});
