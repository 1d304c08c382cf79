/**
 * The browser tier's smoke test: WebGPU works in headless Chromium here, computes correctly,
 * and says which adapter it is (SwiftShader by default, a real GPU with WEBGPU_E2E_GPU=1).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assertAdapterMatchesMode, openBrowser, type BrowserSession } from './browser.ts';
import type { AdapterReport } from './pages/adapter.ts';

let session: BrowserSession;

beforeAll(async () => {
  session = await openBrowser();
});

afterAll(async () => {
  await session?.close();
});

test('a compute shader doubles an array on the browser adapter', async () => {
  const { page, baseUrl } = session;
  await page.goto(`${baseUrl}/test/e2e/pages/adapter.html`);
  await page.waitForFunction(() => window.adapterReport !== undefined);
  const report: AdapterReport = await page.evaluate(() => window.adapterReport!);

  const { vendor, architecture, device, description } = report;
  console.log(
    `[e2e] WebGPU adapter: vendor=${JSON.stringify(vendor)} architecture=${JSON.stringify(architecture)} ` +
      `device=${JSON.stringify(device)} description=${JSON.stringify(description)}; ` +
      `features=${report.features.join(',')}; maxStorageBufferBindingSize=${report.maxStorageBufferBindingSize}`,
  );
  assertAdapterMatchesMode({ vendor, architecture, device, description });

  expect(report.output).toEqual(report.input.map((value) => value * 2));
  expect(session.pageErrors).toEqual([]);
});
