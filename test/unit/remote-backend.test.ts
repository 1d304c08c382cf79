/**
 * The remote backend's parts without a model: SSE read back in any split (against what sse.ts
 * writes), HTTP failures to LlmError codes, /metrics read back into EngineStats (against what
 * the server renders, so a renamed metric fails here), and an engine over a scripted fetch that
 * plays a vLLM server: its model list, its error bodies, its unreported statistics.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/api/create-engine.ts';
import { remoteError } from '../../src/api/remote-errors.ts';
import { statsFromMetrics } from '../../src/api/remote-metrics.ts';
import { SSE_DONE, sseEvent } from '../../src/api/sse.ts';
import { readSseData, SseDataParser } from '../../src/api/sse-reader.ts';
import type { EngineStats } from '../../src/engine/engine-types.ts';
import { isLlmError, LlmError } from '../../src/errors.ts';
import { HttpRequestCounts, renderMetrics } from '../../src/server/prometheus-metrics.ts';
import { Random } from '../support/random.ts';

describe('SSE reader', () => {
  const events = [{ a: 1, text: 'é 😀 line\nbreak' }, { b: [1, 2] }, { c: 'x'.repeat(300) }];
  const wire = events.map(sseEvent).join('') + SSE_DONE;

  it('reads what sse.ts writes back, for any split of the bytes', async () => {
    const bytes = new TextEncoder().encode(wire);
    const random = new Random(7);
    for (let trial = 0; trial < 200; trial++) {
      const cuts = [...new Set(Array.from({ length: 1 + random.int(0, 7) }, () => random.int(0, bytes.length - 1)))].sort((a, b) => a - b);
      const pieces = [0, ...cuts, bytes.length].slice(1).map((end, i, ends) => bytes.slice(i === 0 ? 0 : ends[i - 1], end));
      const body = new ReadableStream<Uint8Array>({ start(controller) { pieces.forEach((piece) => controller.enqueue(piece)); controller.close(); } });
      const read: string[] = [];
      for await (const data of readSseData(body)) read.push(data);
      expect(read).toEqual([...events.map((event) => JSON.stringify(event)), '[DONE]']);
    }
  });

  it('takes CRLF and CR line ends split anywhere, comments, multi-line data, other fields; drops an unfinished event', () => {
    const text = ': keep-alive\r\nevent: x\r\ndata: one\r\ndata:two\r\rid: 3\ndata: three\n\ndata: cut off';
    for (let split = 0; split <= text.length; split++) {
      const parser = new SseDataParser();
      const got = [...parser.push(text.slice(0, split)), ...parser.end(text.slice(split))];
      expect(got, `split at ${split}`).toEqual(['one\ntwo', 'three']);
    }
  });
});

const call = { method: 'POST', url: new URL('http://gpu-box:8000/v1/chat/completions') };

describe('remote errors', () => {
  it('keeps our own code and param from this project\'s serve', () => {
    const error = remoteError(400, { error: { message: 'messages: too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }, call);
    expect([error.code, error.subject, error.status, error.message]).toEqual(['context_length_exceeded', 'messages', 400, 'messages: too long']);
  });

  it('maps vLLM-style bodies by status, with the status kept consistent', () => {
    const cases: Array<[number, unknown, string, string | undefined, number]> = [
      [400, { error: { message: 'temperature: must be >= 0', type: 'BadRequestError', param: 'temperature', code: 400 } }, 'invalid_argument', 'temperature', 400],
      [422, { detail: [{ loc: ['body', 'messages', 0], msg: 'field required' }] }, 'invalid_argument', 'messages.0', 400],
      [401, { error: 'Unauthorized' }, 'authentication_failed', 'apiKey', 401],
      [403, {}, 'authentication_failed', 'apiKey', 401],
      [404, { object: 'error', message: 'The model `qwen` does not exist.', type: 'NotFoundError', param: null, code: 404 }, 'invalid_argument', 'model', 400],
      [404, undefined, 'invalid_argument', '/v1/chat/completions', 400],
      [413, undefined, 'invalid_argument', undefined, 400],
      [429, { error: { message: 'slow down' } }, 'server_error', undefined, 500],
      [503, { error: { message: 'overloaded', code: 'not_one_of_ours' } }, 'server_error', undefined, 500],
    ];
    for (const [status, body, code, subject, ourStatus] of cases) {
      const error = remoteError(status, body, call);
      expect([error.code, error.subject, error.status], `HTTP ${status}`).toEqual([code, subject, ourStatus]);
      expect(error.error.code).toBe(code);
    }
  });

  it('an error event inside a stream takes vLLM\'s numeric code as its status', () => {
    expect(remoteError(undefined, { error: { message: 'bad', code: 400 } }, call).code).toBe('invalid_argument');
    expect(remoteError(undefined, { error: { message: 'boom', code: 500 } }, call).code).toBe('server_error');
  });
});

describe('remote /metrics', () => {
  it('reads back what the server renders for an engine\'s stats', () => {
    const histogram = (buckets: number[], counts: number[]) => ({ buckets, counts, sum: 1.25, count: counts.reduce((a, b) => a + b, 0) });
    const stats = {
      steps: 40, maxRunning: 5, blockSize: 16, running: 2, waiting: 1, blocksTotal: 64, blocksUsed: 16, prefixCacheHitTokens: 32, promptTokens: 400, generatedTokens: 90,
      preemptions: 3, finishedRequests: 7, abortedRequests: 2,
      timeToFirstTokenSeconds: histogram([0.1, 1, 10], [1, 0, 4, 2]), interTokenLatencySeconds: histogram([0.01, 0.5], [5, 6, 0]),
    } as unknown as EngineStats;
    const read = statsFromMetrics(renderMetrics({ stats, http: new HttpRequestCounts(), modelName: 'a "quoted"\nname' }));
    expect(read).toMatchObject({
      running: 2, waiting: 1, kvCacheUsage: 0.25, prefixCacheHitTokens: 32, promptTokens: 400, generatedTokens: 90,
      preemptions: 3, finishedRequests: 7, abortedRequests: 2,
      timeToFirstTokenSeconds: stats.timeToFirstTokenSeconds, interTokenLatencySeconds: stats.interTokenLatencySeconds,
    });
    expect(read).toMatchObject({ steps: 40, maxRunning: 5, blocksTotal: 64, blocksUsed: 16, blocksFree: 48, blockSize: 16 });
    expect(read?.decodeMs).toBeNaN(); // not on /metrics: never a made-up zero
    expect(statsFromMetrics('# HELP vllm:num_requests_running x\nvllm:num_requests_running{model_name="m"} 1\n')).toBeUndefined();
  });
});

/** A fetch that plays a vLLM server: /v1/models lists one model, /metrics has vLLM's names. */
function vllmFetch(seen: Request[] = []): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push(request);
    const path = new URL(request.url).pathname;
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (path === '/v1/models') return json(200, { object: 'list', data: [{ id: 'Qwen/Qwen3-8B', object: 'model', created: 1, owned_by: 'vllm', root: 'Qwen/Qwen3-8B', max_model_len: 40960 }] });
    if (path === '/metrics') return new Response('vllm:num_requests_running{model_name="Qwen/Qwen3-8B"} 0\n');
    if (path === '/v1/chat/completions') {
      const body = await request.json() as { stream?: boolean; n?: number };
      if (body.stream !== true) return json(404, { error: { message: 'The model `other` does not exist.', type: 'NotFoundError', param: 'model', code: 404 } });
      // 200, then an error event after one chunk, as vLLM streams a failure mid-generation.
      // Older vLLM sent the error event's fields at the top level.
      const failure = body.n === 2 ? { object: 'error', message: 'engine dead', code: 500 } : { error: { message: 'engine dead', code: 500 } };
      return new Response(sseEvent({ id: 'c', object: 'chat.completion.chunk', choices: [] }) + sseEvent(failure) + SSE_DONE);
    }
    return json(404, { detail: 'Not Found' });
  }) as typeof fetch;
}

describe('an engine over a vLLM-like server', () => {
  it('fills info from the model list, sends the key and headers, refuses stats, maps errors', async () => {
    const seen: Request[] = [];
    const engine = await createEngine({ baseURL: 'http://gpu-box:8000/v1', apiKey: 'k1', model: 'Qwen/Qwen3-8B', fetch: vllmFetch(seen), headers: { 'x-team': 't' } });
    expect(engine.info).toMatchObject({ adapterName: 'remote http://gpu-box:8000', maxModelLen: 40960, location: 'http://gpu-box:8000/v1/' });
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer k1');
    expect(seen[0]?.headers.get('x-team')).toBe('t');
    const stats = await engine.stats().catch((error: unknown) => error);
    expect(isLlmError(stats, 'unsupported_option'), String(stats)).toBe(true);
    expect((stats as LlmError).message).toContain('gpu-box:8000');
    const missing = await engine.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect([(missing as LlmError).code, (missing as LlmError).subject]).toEqual(['invalid_argument', 'model']);
    for (const n of [1, 2]) {
      const stream = await engine.chat.completions.create({ model: 'Qwen/Qwen3-8B', messages: [{ role: 'user', content: 'hi' }], stream: true, n });
      const got: unknown[] = [];
      const failure = await (async () => { for await (const chunk of stream) got.push(chunk); })().catch((error: unknown) => error);
      expect(got).toHaveLength(1);
      expect(isLlmError(failure, 'server_error'), String(failure)).toBe(true);
      expect((failure as LlmError).message).toContain('engine dead');
    }
    await engine.dispose();
  });

  it('an unknown model fails createEngine with the served names; a bad baseURL is invalid_argument', async () => {
    const error = await createEngine({ baseURL: 'http://gpu-box:8000/v1', model: 'qwen', fetch: vllmFetch() }).catch((caught: unknown) => caught);
    expect([(error as LlmError).code, (error as LlmError).subject]).toEqual(['invalid_argument', 'model']);
    expect((error as LlmError).message).toContain('Qwen/Qwen3-8B');
    const bad = await createEngine({ baseURL: 'gpu-box:8000', model: 'qwen', fetch: vllmFetch() }).catch((caught: unknown) => caught);
    expect((bad as LlmError).subject).toBe('baseURL');
  });

  it('dispose aborts a request in flight with aborted', async () => {
    const hanging = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith('/models')) return vllmFetch()(input, init);
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }) as typeof fetch;
    const engine = await createEngine({ baseURL: 'http://gpu-box:8000/v1', model: 'Qwen/Qwen3-8B', fetch: hanging });
    const pending = engine.chat.completions.create({ model: 'Qwen/Qwen3-8B', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    await engine.dispose();
    expect(isLlmError(await pending, 'aborted')).toBe(true);
  });
});
