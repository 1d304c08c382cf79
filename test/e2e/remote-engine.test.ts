/**
 * A page's `createEngine({ baseURL, apiKey, model })` in Chromium against this project's server
 * on another origin (started as `serve --cors-origin <page origin>`), over the tiny tool model
 * loaded in this Node process: the key's CORS preflight passes, a streamed reply arrives as SSE,
 * an abort rejects with `aborted` and frees the server's KV blocks, and runTools runs the page's
 * own get_weather between two server-side model calls.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChatCompletionTool } from '../../src/chat/chat-types.ts';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { startOpenAIServer, type OpenAIServer } from '../../src/server/openai-server.ts';
import { openBrowser, type BrowserSession } from './browser.ts';
import type { RemoteScenarioReport } from './pages/remote-page.ts';

const folder = fileURLToPath(new URL('../../public/models/tiny-tool-qwen/', import.meta.url));
const tools = JSON.parse(readFileSync(`${folder}tools.json`, 'utf-8')) as ChatCompletionTool[];
const MODEL = 'tiny-tool-qwen';
const API_KEY = 'page-key';

let session: BrowserSession;
let engine: LlmEngine;
let server: OpenAIServer;

beforeAll(async () => {
  session = await openBrowser();
  engine = await createEngine({ model: folder, worker: false, modelId: MODEL });
  // The page's origin only: the browser refuses the server's answers unless CORS allows it.
  server = await startOpenAIServer(engine, { port: 0, apiKey: API_KEY, corsOrigin: session.baseUrl });
  await session.page.goto(`${session.baseUrl}/test/e2e/pages/remote.html`);
  await session.page.waitForFunction(() => window.remoteScenario !== undefined, undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await session?.close();
  await server?.close(0);
  await engine?.dispose();
});

it('a page runs chat and its own tools against a model on a server', async () => {
  const input = { baseURL: `${server.url}/v1`, apiKey: API_KEY, model: MODEL, tools };
  const report = await session.page.evaluate((args) => window.remoteScenario!.run(args), input) as RemoteScenarioReport;
  console.log(`[e2e] remote from the page: ${report.streamed.chunks} chunks; final: ${report.finalContent}`);
  expect(report.adapterName).toBe(`remote ${server.url}`);
  expect(report.streamed.chunks).toBeGreaterThan(2);
  expect(report.streamed.content.trim().length).toBeGreaterThan(3);
  expect(report.aborted).toEqual({ name: 'LlmError', code: 'aborted' });
  expect(report.toolCalls).toEqual([{ name: 'get_weather', args: { city: 'Paris' }, where: session.baseUrl }]);
  expect(report.rounds).toBe(2);
  expect(report.finalContent).toContain('23');
  const stats = await engine.stats();
  expect(stats.abortedRequests).toBe(1);
  expect([stats.running, stats.blocksFree]).toEqual([0, stats.blocksTotal]);
});
