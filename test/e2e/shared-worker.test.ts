/**
 * createEngine({ shared: true }) in Chromium (SwiftShader): two tabs of one origin share one
 * engine in a SharedWorker. The second tab's load reuses the first's (the engine it sees already
 * ran the first tab's request), requests from both tabs run in the same batch, and closing a tab
 * aborts its request and frees its KV blocks while the other tab keeps being served.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { assertAdapterMatchesMode, openBrowser, type BrowserSession } from './browser.ts';

let session: BrowserSession;
let tabA: Page;
let tabB: Page;

async function openTab(page: Page): Promise<void> {
  await page.goto(`${session.baseUrl}/test/e2e/pages/shared.html`);
  await page.waitForFunction(() => window.sharedTab !== undefined, undefined, { timeout: 60_000 });
}

beforeAll(async () => {
  session = await openBrowser();
  tabA = session.page;
  tabB = await session.context.newPage();
  await Promise.all([openTab(tabA), openTab(tabB)]);
});

afterAll(async () => {
  await session?.close();
});

const stats = (page: Page) => page.evaluate(() => window.sharedTab!.stats());

it('two tabs share one engine: one load, batched together, a closed tab\'s request aborted', async () => {
  const infoA = await tabA.evaluate(() => window.sharedTab!.open('qwen2-bf16'));
  assertAdapterMatchesMode(infoA.adapterName);
  console.log(`[e2e] shared engine on ${infoA.adapterName}`);
  const first = await tabA.evaluate(() => window.sharedTab!.chat(8));
  expect(first).toEqual({ completionTokens: 8, finishReason: 'length' });

  // Tab B joins the engine tab A loaded: it already counts A's request.
  const infoB = await tabB.evaluate(() => window.sharedTab!.open('qwen2-bf16'));
  expect(infoB).toEqual(infoA);
  const joined = await stats(tabB);
  expect(joined.finishedRequests).toBe(1);
  expect(joined.generatedTokens).toBeGreaterThanOrEqual(8);

  // One request from each tab at once: the engine runs them in one batch.
  const both = await Promise.all([tabA.evaluate(() => window.sharedTab!.chat(24)), tabB.evaluate(() => window.sharedTab!.chat(24))]);
  expect(both).toEqual([{ completionTokens: 24, finishReason: 'length' }, { completionTokens: 24, finishReason: 'length' }]);
  const batched = await stats(tabA);
  expect(batched.finishedRequests).toBe(3);
  expect(batched.maxRunning).toBeGreaterThanOrEqual(2);

  // Tab B starts a long stream and is closed mid-way: its request is aborted, its blocks freed.
  await tabB.evaluate(() => window.sharedTab!.startLong(400));
  const during = await stats(tabA);
  expect(during.running).toBe(1);
  await tabB.close();
  await expect.poll(async () => (await stats(tabA)).abortedRequests, { timeout: 30_000 }).toBe(1);
  const after = await stats(tabA);
  expect(after.running).toBe(0);
  expect(after.blocksFree).toBe(after.blocksTotal);
  expect(after.generatedTokens).toBeLessThan(during.generatedTokens + 400);

  // Tab A is still served.
  expect(await tabA.evaluate(() => window.sharedTab!.chat(4))).toEqual({ completionTokens: 4, finishReason: 'length' });
}, 180_000);
