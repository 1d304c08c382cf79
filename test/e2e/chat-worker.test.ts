/**
 * createEngine in Chromium (SwiftShader): the engine in its built-in Web Worker serves
 * chat.completions.create whole and streamed (the same text), an abort frees the KV blocks and
 * rejects with a typed error, a bad request's typed error crosses the worker boundary, and the
 * real `openai` client works through engine.fetch; completions.create crosses the worker too, and
 * a json_schema reply compiles and matches its grammar on the grammar worker the engine starts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertAdapterMatchesMode, openBrowser, type BrowserSession } from './browser.ts';
import type { ChatScenarioReport } from './pages/chat-page.ts';

let session: BrowserSession;

beforeAll(async () => {
  session = await openBrowser();
  await session.page.goto(`${session.baseUrl}/test/e2e/pages/chat.html`);
  await session.page.waitForFunction(() => window.chatScenario !== undefined, undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await session?.close();
});

it('serves the chat API from a worker, streamed and whole, and through the openai client', async () => {
  const report = await session.page.evaluate((name) => window.chatScenario!.run(name), 'qwen2-bf16') as ChatScenarioReport;
  console.log(`[e2e] chat worker on ${report.adapterName}: ${report.streamed.chunks} chunks; abort ${JSON.stringify(report.aborted)}`);
  assertAdapterMatchesMode(report.adapterName);
  expect(report.whole.finishReason).toBe('length');
  expect(report.whole.completionTokens).toBe(8);
  expect(report.whole.content?.length).toBeGreaterThan(0);
  expect(report.streamed.content).toBe(report.whole.content);
  expect(report.streamed.finishReason).toBe('length');
  // role chunk + up to one chunk per token + the finish chunk
  expect(report.streamed.chunks).toBeGreaterThanOrEqual(3);
  expect(report.aborted).toEqual({ name: 'LlmError', code: 'aborted', blocksFree: report.aborted.blocksTotal, blocksTotal: report.aborted.blocksTotal });
  expect(report.badRequest).toEqual({ name: 'LlmError', code: 'invalid_argument', subject: 'temperature', isError: true });
  expect(report.sdk.content).toBe(report.whole.content);
  expect(report.sdk.streamed).toBe(report.whole.content);
  expect(report.completions.completionTokens).toBe(16);
  expect(report.completions.texts).toHaveLength(2);
  expect(report.completions.texts.join('').length).toBeGreaterThan(0);
  expect(report.completions.streamed).toEqual(report.completions.texts);
  expect(report.completions.sdk).toEqual(report.completions.texts);
  expect(report.completions.badRequest).toEqual({ code: 'invalid_argument', subject: 'prompt[0]' });
  console.log(`[e2e] constrained reply: ${report.constrained.content}`);
  expect(report.constrained.finishReason).toBe('stop');
  expect(typeof (JSON.parse(report.constrained.content!) as { ok: unknown }).ok).toBe('boolean');
  expect(report.constrained.badSchema).toEqual({ code: 'invalid_argument', subject: 'response_format' });
});
