/**
 * Hub loading in Node, without a GPU: a local server laid out like the Hub, Cache Storage faked
 * in memory (helpers/hub-cache-fake.ts), and every file a load reads (openModelFiles, then the
 * weights streamed to a sink that drops them). Checks: progress adds up to the file sizes; a
 * second load makes no request; a cut or short download is refused with a typed error naming
 * the file and is not cached, and a retry after the server is fixed succeeds; cache status and
 * clearing.
 */
import { cp, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isLlmError } from '../../src/errors.ts';
import { MODEL_CACHE_NAME } from '../../src/hub/file-cache.ts';
import { clearModelCache, modelCacheStatus } from '../../src/hub/model-cache.ts';
import { hubFolderUrl } from '../../src/hub/model-location.ts';
import { streamCheckpoint } from '../../src/model/checkpoint-stream.ts';
import { ProgressTracker, type LoadProgress } from '../../src/model/load-progress.ts';
import { openModelFiles } from '../../src/model/model-files.ts';
import { startHubServer, type HubServer } from '../support/hub-server.ts';
import { FakeCacheStorage } from './helpers/hub-cache-fake.ts';

const fixture = fileURLToPath(new URL('../fixtures/qwen2-bf16/', import.meta.url));
/** What a load reads from this fixture (golden.json is the test's own, chat_template.jinja absent). */
const modelFiles = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

let server: HubServer;
let scratch: string;
let storage: FakeCacheStorage;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'hub-cache-'));
  const broken = join(scratch, 'broken-json');
  await cp(fixture, broken, { recursive: true });
  await writeFile(join(broken, 'config.json'), '{"architectures": ["Qwen2ForCausalLM"], "hidden_size": ');
  server = await startHubServer({ 'test-org/qwen2-bf16': fixture, 'test-org/flaky': fixture, 'test-org/broken-json': broken });
});

afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  storage = new FakeCacheStorage();
  vi.stubGlobal('caches', storage);
  server.requests.length = 0;
  server.faults.clear();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Every read a load makes, the weights streamed to a sink that drops them. */
async function readModel(model: string, events: LoadProgress[] = []): Promise<void> {
  const progress = new ProgressTracker((event) => events.push(event), 0);
  const files = await openModelFiles(model, { hubUrl: server.url }, progress);
  progress.setPhase('weights');
  await streamCheckpoint(files.source, files.checkpoint, () => undefined);
  progress.ready();
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; subject: string; message: string }> {
  const caught = await promise.then(() => undefined, (error: unknown) => error);
  expect(isLlmError(caught), `expected an LlmError, got ${String(caught)}`).toBe(true);
  return caught as { code: string; subject: string; message: string };
}

const cached = (model: string) => storage.caches.get(MODEL_CACHE_NAME)?.files(hubFolderUrl(model, { hubUrl: server.url })) ?? [];

describe('loading a Hub id through Cache Storage', () => {
  it('reports progress that adds up to the file sizes, then loads again with no request', async () => {
    const sizes = new Map(await Promise.all(modelFiles.map(async (name) => [name, (await stat(join(fixture, name))).size] as const)));
    const events: LoadProgress[] = [];
    await readModel('test-org/qwen2-bf16', events);
    const requests = server.requests.length;
    console.log(`[hub-cache] first load: ${requests} requests, ${events.length} progress events`);
    expect(server.requests.every((request) => request.path.startsWith('/test-org/qwen2-bf16/resolve/main/'))).toBe(true);
    const last = new Map(events.filter((event) => event.file !== undefined).map((event) => [event.file!.name, event.file!]));
    expect([...last.keys()].sort()).toEqual(modelFiles);
    for (const [name, file] of last) expect(file, name).toMatchObject({ loaded: sizes.get(name), total: sizes.get(name), fromCache: false });
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    expect(events.at(-1)).toEqual({ phase: 'ready', file: undefined, loaded: total, total });
    // Overall bytes never go down; the weights file is announced before its bytes stream.
    events.reduce((previous, event) => (expect(event.loaded).toBeGreaterThanOrEqual(previous), event.loaded), 0);
    expect(events.find((event) => event.phase === 'weights')?.total).toBe(total);
    expect(cached('test-org/qwen2-bf16')).toEqual(modelFiles);

    const again: LoadProgress[] = [];
    await readModel('test-org/qwen2-bf16', again);
    expect(server.requests.length).toBe(requests);
    expect(again.filter((event) => event.file !== undefined).every((event) => event.file!.fromCache)).toBe(true);
    expect(again.at(-1)).toEqual({ phase: 'ready', file: undefined, loaded: total, total });
  });

  it('a download cut off mid-way is truncated_file naming the file, is not cached, and a retry succeeds', async () => {
    server.faults.set('test-org/flaky/model.safetensors', 'cut');
    const error = await rejection(readModel('test-org/flaky'));
    console.log(`[hub-cache] cut download: ${error.code}: ${error.message}`);
    expect(error).toMatchObject({ code: 'truncated_file', subject: 'model.safetensors' });
    expect(cached('test-org/flaky')).not.toContain('model.safetensors');
    expect(storage.caches.get(MODEL_CACHE_NAME)!.refused).toBe(1);

    server.faults.clear();
    await readModel('test-org/flaky');
    expect(cached('test-org/flaky')).toContain('model.safetensors');
  });

  it('a file shorter than its header says is refused from the header alone, before the weights download', async () => {
    server.faults.set('test-org/flaky/model.safetensors', 'short');
    const error = await rejection(readModel('test-org/flaky'));
    expect(error.code).toBe('truncated_file');
    expect(error.message).toContain('model.safetensors');
    const weightRequests = server.requests.filter((request) => request.path.endsWith('/model.safetensors') && request.method === 'GET');
    expect(weightRequests.every((request) => request.range !== undefined)).toBe(true);
    expect(cached('test-org/flaky')).not.toContain('model.safetensors');
  });

  it('a JSON file that does not parse is invalid_config and not cached', async () => {
    const error = await rejection(readModel('test-org/broken-json'));
    expect(error).toMatchObject({ code: 'invalid_config', subject: 'config.json' });
    expect(cached('test-org/broken-json')).toEqual([]);
  });

  it('an unknown repository or revision is missing_file naming the file', async () => {
    const error = await rejection(readModel('test-org/nothing-here'));
    expect(error).toMatchObject({ code: 'missing_file', subject: 'config.json' });
    expect(error.message).toContain('test-org/nothing-here');
  });
});

describe('modelCacheStatus and clearModelCache', () => {
  it('list the cached files with their sizes, and clear them', async () => {
    const empty = await modelCacheStatus('test-org/qwen2-bf16', { hubUrl: server.url });
    expect(empty).toMatchObject({ available: true, files: [], bytes: 0, complete: false });
    await readModel('test-org/qwen2-bf16');
    const status = await modelCacheStatus('test-org/qwen2-bf16', { hubUrl: server.url });
    expect(status.url).toBe(`${server.url}/test-org/qwen2-bf16/resolve/main/`);
    expect(status.complete).toBe(true);
    expect(status.files.map((file) => file.name)).toEqual(modelFiles);
    for (const file of status.files) expect(file.bytes).toBe((await stat(join(fixture, file.name))).size);
    expect((await modelCacheStatus('test-org/qwen2-bf16', { hubUrl: server.url, revision: 'v2' })).files).toEqual([]);

    // Five files plus the remembered absence of the index and chat_template.jinja.
    expect(await clearModelCache('test-org/qwen2-bf16', { hubUrl: server.url })).toBeGreaterThanOrEqual(modelFiles.length);
    expect((await modelCacheStatus('test-org/qwen2-bf16', { hubUrl: server.url })).files).toEqual([]);
  });

  it('say unavailable where there is no Cache Storage', async () => {
    vi.unstubAllGlobals();
    expect(await modelCacheStatus('test-org/qwen2-bf16')).toMatchObject({ available: false, complete: false });
    expect(await clearModelCache('test-org/qwen2-bf16')).toBe(0);
  });
});
