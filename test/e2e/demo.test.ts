/**
 * The demo page end to end: the worker loads the default (random-weight) model, a typed prompt
 * streams text into the output in several updates, and the adapter is shown.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assertAdapterMatchesMode, openBrowser, type BrowserSession } from './browser.ts';

const resultsDir = fileURLToPath(new URL('../../test-results/', import.meta.url));

let session: BrowserSession;

beforeAll(async () => {
  session = await openBrowser();
});

afterAll(async () => {
  await session?.close();
});

test('the demo loads the default model and streams a completion', async () => {
  const { page, baseUrl } = session;
  await page.goto(`${baseUrl}/`);

  // Loading happens in the worker; an error ends the wait early with the page's message.
  const status = page.locator('#status');
  await page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: 150_000 });
  expect(await status.getAttribute('data-state'), await status.textContent() ?? '').toBe('ready');

  const adapter = (await page.locator('#adapter').textContent())?.trim() ?? '';
  console.log(`[e2e] demo adapter: ${adapter}`);
  expect(adapter).not.toBe('');
  expect(adapter).not.toBe('…');
  assertAdapterMatchesMode(adapter);

  // Count how often the output changes, to tell streaming apart from one final write.
  await page.evaluate(() => {
    const output = document.getElementById('output')!;
    const counter = window as unknown as { outputUpdates: number };
    counter.outputUpdates = 0;
    new MutationObserver(() => (counter.outputUpdates += 1)).observe(output, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });

  await page.fill('#prompt', 'Hello, WebGPU!');
  await page.fill('#max-tokens', '12');
  await page.click('#generate');
  // The submit handler disables the button synchronously; it comes back when generation ends.
  await page.waitForSelector('#generate:enabled', { timeout: 150_000 });

  const state = await status.getAttribute('data-state');
  const statusText = (await status.textContent()) ?? '';
  console.log(`[e2e] demo status: ${statusText}`);
  expect(state, statusText).toBe('ready');

  const text = (await page.locator('#output').textContent()) ?? '';
  const updates = await page.evaluate(() => (window as unknown as { outputUpdates: number }).outputUpdates);
  console.log(`[e2e] demo streamed ${updates} updates: ${JSON.stringify(text)}`);
  expect(text.length).toBeGreaterThan(0);
  expect(updates).toBeGreaterThan(1);

  await mkdir(resultsDir, { recursive: true });
  await page.screenshot({ path: `${resultsDir}demo.png`, fullPage: true });
  expect(session.pageErrors).toEqual([]);
});
