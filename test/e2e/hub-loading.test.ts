/**
 * Loading by Hub id in Chromium: a local server laid out like huggingface.co (test/support/
 * hub-server.ts, another origin than the page) serves the qwen2-bf16 fixture as
 * `test-org/qwen2-bf16`; `createEngine({ model, hubUrl, onProgress })` runs in its worker.
 * Checks: progress adds up to the fixture's file sizes; a second engine loads from Cache Storage
 * with no request to the server and answers the same; a download cut mid-way or a short file is
 * refused with a typed error and not cached, and a retry once the server is fixed succeeds; the
 * cache helpers list and clear; a page without WebGPU gets 'webgpu_unavailable' before any
 * download.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadProgress } from '../../src/model/load-progress.ts';
import { startHubServer, type HubServer } from '../support/hub-server.ts';
import { assertAdapterMatchesMode, openBrowser, type BrowserSession } from './browser.ts';
import type { HubLoadFailure, HubLoadReport } from './pages/hub-page.ts';

const fixture = fileURLToPath(new URL('../fixtures/qwen2-bf16/', import.meta.url));
/** What a load reads (golden.json is the tests' own; chat_template.jinja is absent). */
const modelFiles = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
const sizes = new Map(modelFiles.map((name) => [name, statSync(join(fixture, name)).size]));
const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);

let session: BrowserSession;
let hub: HubServer;
let firstReply: string | null = null;

beforeAll(async () => {
  hub = await startHubServer({ 'test-org/qwen2-bf16': fixture, 'test-org/qwen2-flaky': fixture });
  session = await openBrowser();
  await session.page.goto(`${session.baseUrl}/test/e2e/pages/hub.html`);
  await session.page.waitForFunction(() => window.hubScenario !== undefined, undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await session?.close();
  await hub?.close();
});

const load = (model: string) => session.page.evaluate(([m, url]) => window.hubScenario!.load(m, url), [model, hub.url] as const);
const status = (model: string) => session.page.evaluate(([m, url]) => window.hubScenario!.status(m, url), [model, hub.url] as const);
const cachedNames = async (model: string) => (await status(model)).files.map((file) => file.name);

function succeeded(result: HubLoadReport | HubLoadFailure): HubLoadReport {
  if ('error' in result) throw new Error(`load failed: ${JSON.stringify(result.error)}`);
  return result;
}

function failed(result: HubLoadReport | HubLoadFailure): HubLoadFailure['error'] {
  if (!('error' in result)) throw new Error('the load succeeded; expected an error');
  console.log(`[e2e hub] refused: ${result.error.code} (${result.error.subject}): ${result.error.message}`);
  return result.error;
}

/** Each file's last event, and the final overall event. */
function lastEvents(events: readonly LoadProgress[]) {
  return new Map(events.filter((event) => event.file !== undefined).map((event) => [event.file!.name, event.file!]));
}

it('loads by Hub id with progress events that add up to the file sizes', async () => {
  const report = succeeded(await load('test-org/qwen2-bf16'));
  console.log(`[e2e hub] first load on ${report.adapterName}: ${hub.requests.length} requests, ${report.events.length} progress events, reply ${JSON.stringify(report.content)}`);
  assertAdapterMatchesMode(report.adapterName);
  expect(hub.requests.length).toBeGreaterThan(0);
  const files = lastEvents(report.events);
  expect([...files.keys()].sort()).toEqual(modelFiles);
  for (const [name, file] of files) expect(file, name).toEqual({ name, loaded: sizes.get(name), total: sizes.get(name), fromCache: false });
  expect(report.events.at(-1)).toEqual({ phase: 'ready', file: undefined, loaded: totalBytes, total: totalBytes });
  expect(report.events.some((event) => event.phase === 'weights')).toBe(true);
  expect(report.modelName).toBe('test-org/qwen2-bf16');
  expect(report.content?.length).toBeGreaterThan(0);
  firstReply = report.content;

  const cache = await status('test-org/qwen2-bf16');
  expect(cache).toMatchObject({ available: true, complete: true, bytes: totalBytes });
  expect(cache.files).toEqual(modelFiles.map((name) => ({ name, bytes: sizes.get(name) })));
});

it('a second engine loads from Cache Storage with no request to the server, and answers the same', async () => {
  const before = hub.requests.length;
  const report = succeeded(await load('test-org/qwen2-bf16'));
  expect(hub.requests.slice(before)).toEqual([]);
  const files = lastEvents(report.events);
  expect([...files.values()].every((file) => file.fromCache)).toBe(true);
  expect(report.events.at(-1)).toEqual({ phase: 'ready', file: undefined, loaded: totalBytes, total: totalBytes });
  expect(report.content).toBe(firstReply);
});

it('a download cut mid-way is truncated_file naming the shard, is not cached, and a retry succeeds', async () => {
  hub.faults.set('test-org/qwen2-flaky/model.safetensors', 'cut');
  const error = failed(await load('test-org/qwen2-flaky'));
  expect(error).toMatchObject({ name: 'LlmError', code: 'truncated_file', subject: 'model.safetensors' });
  expect(await cachedNames('test-org/qwen2-flaky')).not.toContain('model.safetensors');

  hub.faults.clear();
  const report = succeeded(await load('test-org/qwen2-flaky'));
  expect(report.content).toBe(firstReply);
  expect(await cachedNames('test-org/qwen2-flaky')).toContain('model.safetensors');
});

it('a file shorter than its header says is refused before its download, and is not cached', async () => {
  expect(await session.page.evaluate(([m, url]) => window.hubScenario!.clear(m, url), ['test-org/qwen2-flaky', hub.url] as const)).toBeGreaterThanOrEqual(modelFiles.length);
  hub.faults.set('test-org/qwen2-flaky/model.safetensors', 'short');
  const before = hub.requests.length;
  const error = failed(await load('test-org/qwen2-flaky'));
  expect(error).toMatchObject({ name: 'LlmError', code: 'truncated_file' });
  expect(error.message).toContain('model.safetensors');
  // Only the header's Range request reached the weights file.
  const weightGets = hub.requests.slice(before).filter((request) => request.path.endsWith('/model.safetensors') && request.method === 'GET');
  expect(weightGets.map((request) => request.range !== undefined)).toEqual([true]);
  expect(await cachedNames('test-org/qwen2-flaky')).not.toContain('model.safetensors');
  hub.faults.clear();
});

it('clearModelCache empties the cache for the model', async () => {
  const deleted = await session.page.evaluate(([m, url]) => window.hubScenario!.clear(m, url), ['test-org/qwen2-bf16', hub.url] as const);
  expect(deleted).toBeGreaterThanOrEqual(modelFiles.length);
  expect(await status('test-org/qwen2-bf16')).toMatchObject({ files: [], bytes: 0, complete: false });
});

it('a browser without WebGPU gets webgpu_unavailable before anything is downloaded', async () => {
  const before = hub.requests.length;
  const result = await session.page.evaluate(([m, url]) => window.hubScenario!.loadWithoutWebGpu(m, url), ['test-org/qwen2-bf16', hub.url] as const);
  expect(result?.error).toMatchObject({ name: 'LlmError', code: 'webgpu_unavailable' });
  console.log(`[e2e hub] without WebGPU: ${result?.error.message}`);
  expect(hub.requests.length).toBe(before);
  // The only console errors allowed are the browser's own report of the cut transfer.
  expect(session.pageErrors.filter((text) => !/ERR_CONTENT_LENGTH_MISMATCH|ERR_INCOMPLETE|Failed to load resource/.test(text))).toEqual([]);
});
