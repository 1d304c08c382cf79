/**
 * The built demo's serving features, on the random-weight fixtures (long replies on demand, so the
 * timing is never a race): two conversations stream at once through one engine (their requests
 * share batches), Stop aborts a reply and the conversation goes on, a Qwen3 model's reasoning
 * lands in a collapsible block (and not with thinking off), and a Hub id loads through the
 * picker with a progress bar and a cache status (from a local stand-in for the Hub).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EngineStats } from '../../src/index.ts';
import { startHubServer, type HubServer } from '../support/hub-server.ts';
import { openBrowser, type BrowserSession } from './browser.ts';
import { DemoDriver, startDemoServer, type DemoServer } from './demo-server.ts';

const qwen2Fixture = fileURLToPath(new URL('../fixtures/qwen2-bf16/', import.meta.url));

let session: BrowserSession;
let demo: DemoServer;
let driver: DemoDriver;
let hub: HubServer;

beforeAll(async () => {
  demo = await startDemoServer();
  hub = await startHubServer({ 'Qwen/Qwen2.5-0.5B-Instruct': qwen2Fixture });
  session = await openBrowser();
  driver = new DemoDriver(session.page, demo.url);
});

afterAll(async () => {
  await session?.close();
  await demo?.close();
  await hub?.close();
});

test('two conversations stream at the same time through one engine', async () => {
  const { page } = session;
  await driver.open('?model=/test/fixtures/qwen2-bf16/');
  await driver.settings({ temperature: '0', maxTokens: '40', ignoreEos: true });
  await page.fill('[data-pane="1"] textarea', 'Tell me about the sea.');
  await page.fill('[data-pane="2"] textarea', 'Tell me about the mountains.');
  // Both users press Enter at the same moment.
  await page.evaluate(() => document.querySelectorAll<HTMLFormElement>('.composer').forEach((form) => form.requestSubmit()));
  const turns = [1, 2].map((pane) => page.locator(`[data-pane="${pane}"] .turn.assistant`).last());
  for (const turn of turns) await expect.poll(() => turn.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
  const [a, b] = await Promise.all(turns.map(async (turn) => ({
    first: Number(await turn.getAttribute('data-first-token-at')),
    finished: Number(await turn.getAttribute('data-finished-at')),
    footer: await turn.locator('.turn-footer').textContent(),
  })));
  console.log(`[e2e demo] pane 1: first token ${a!.first.toFixed(0)}, done ${a!.finished.toFixed(0)} (${a!.footer}); ` +
    `pane 2: first token ${b!.first.toFixed(0)}, done ${b!.finished.toFixed(0)} (${b!.footer})`);
  // Each reply had tokens before the other one finished.
  expect(a!.first).toBeLessThan(b!.finished);
  expect(b!.first).toBeLessThan(a!.finished);
  const stats = await engineStats();
  expect(stats.maxRunning).toBeGreaterThanOrEqual(2);
  await expect.poll(() => page.locator('[data-metric="maxRunning"]').textContent()).toBe(String(stats.maxRunning));
  expect(await page.locator('.kv-line').getAttribute('points')).toMatch(/\d+(\.\d+)?,\d/);
});

test('Stop aborts a reply, frees the engine, and the conversation goes on', async () => {
  const { page } = session;
  await driver.settings({ temperature: '0', maxTokens: '2000', ignoreEos: true });
  await driver.send(1, 'Tell me a very long story.');
  const turn = page.locator('[data-pane="1"] .turn.assistant').last();
  await expect.poll(async () => ((await turn.locator('.markdown').textContent()) ?? '').length, { timeout: 60_000 }).toBeGreaterThan(10);
  const stop = page.locator('[data-pane="1"] .stop');
  expect(await stop.isVisible()).toBe(true);
  await stop.click();
  await expect.poll(() => turn.getAttribute('data-state'), { timeout: 30_000 }).toBe('stopped');
  expect(await turn.locator('.turn-footer').textContent()).toMatch(/^Stopped\./);
  expect(await stop.isVisible()).toBe(false);
  await expect.poll(async () => (await engineStats()).running, { timeout: 10_000 }).toBe(0);
  const stats = await engineStats();
  expect(stats.abortedRequests).toBeGreaterThanOrEqual(1);
  console.log(`[e2e demo] stopped after ${stats.generatedTokens} generated tokens in all; aborted ${stats.abortedRequests}`);

  await driver.settings({ temperature: '0', maxTokens: '6' });
  await driver.send(1, 'Hello again');
  const next = page.locator('[data-pane="1"] .turn.assistant').last();
  await expect.poll(() => next.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
  expect(session.pageErrors).toEqual([]);
});

test('a Qwen3 model shows its reasoning in a collapsible block; thinking off gives none', async () => {
  const { page } = session;
  await driver.open('?model=/test/fixtures/qwen3-f32/');
  await driver.settings({ temperature: '0', maxTokens: '12' });
  await driver.send(1, 'Hi');
  const turn = page.locator('[data-pane="1"] .turn.assistant').last();
  await expect.poll(() => turn.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
  const reasoning = turn.locator('details.reasoning');
  expect(await reasoning.count()).toBe(1);
  expect(((await reasoning.locator('.reasoning-text').textContent()) ?? '').length).toBeGreaterThan(0);
  expect(await reasoning.evaluate((details) => (details as HTMLDetailsElement).open)).toBe(false);
  await reasoning.locator('summary').click();
  expect(await reasoning.evaluate((details) => (details as HTMLDetailsElement).open)).toBe(true);

  await page.uncheck('#thinking');
  await driver.send(2, 'Hi');
  const plain = page.locator('[data-pane="2"] .turn.assistant').last();
  await expect.poll(() => plain.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
  expect(await plain.locator('details.reasoning').count()).toBe(0);
  expect(((await plain.locator('.markdown').textContent()) ?? '').length).toBeGreaterThan(0);
});

test('a Hub model loads through the picker with download progress and cache status', async () => {
  const { page } = session;
  const id = 'Qwen/Qwen2.5-0.5B-Instruct';
  await driver.open(`?hubUrl=${encodeURIComponent(hub.url)}&model=${encodeURIComponent(id)}`);
  expect(await page.locator('#model-select').inputValue()).toBe(id);
  expect(await page.locator('#load-progress-text').textContent()).toMatch(/^Loaded \d+ kB$/);
  const [value, max] = await page.locator('#load-progress').evaluate((bar) => [(bar as HTMLProgressElement).value, (bar as HTMLProgressElement).max]);
  expect(value).toBe(max);
  expect(hub.requests.some((request) => request.path.endsWith('/model.safetensors'))).toBe(true);
  await expect.poll(() => page.locator('#cache-status').getAttribute('data-cached')).toBe('complete');
  console.log(`[e2e demo] hub: ${await page.locator('#cache-status').textContent()}`);

  // Loading again reads Cache Storage: no weight download.
  const before = hub.requests.length;
  await page.click('#load-model');
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 150_000 });
  expect(hub.requests.slice(before).filter((request) => request.method === 'GET')).toEqual([]);
  expect(await page.locator('#load-progress-text').textContent()).toMatch(/^Loaded /);

  await page.click('#clear-cache');
  await expect.poll(() => page.locator('#cache-status').getAttribute('data-cached')).toBe('none');
  expect(await page.locator('#cache-status').textContent()).toMatch(/^Not cached/);
  expect(session.pageErrors).toEqual([]);
});

function engineStats(): Promise<EngineStats> {
  return session.page.evaluate(() => window.demo!.engine!.stats());
}
