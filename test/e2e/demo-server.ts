/**
 * The built demo for the e2e tests: `vite build` with demo/vite.config.ts into
 * test-results/demo-build-<pid>/ (a couple of seconds; one folder per process, so parallel runs
 * cannot overwrite each other's build), then `vite preview` of that folder on 127.0.0.1 with an
 * OS-chosen port. The preview also serves test/fixtures/ (see the config). `close()` removes it.
 */
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { build, preview } from 'vite';
import { expect } from 'vitest';
import { assertAdapterMatchesMode, openBrowser, type BrowserSession } from './browser.ts';

const configFile = fileURLToPath(new URL('../../demo/vite.config.ts', import.meta.url));
const outDir = fileURLToPath(new URL(`../../test-results/demo-build-${process.pid}/`, import.meta.url));

export interface DemoServer {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startDemoServer(): Promise<DemoServer> {
  const started = performance.now();
  // 'error': the build's expected warnings (Node built-ins of the Node-only path) are noise here.
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const buildMs = performance.now() - started;
  const server = await preview({
    configFile,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
  });
  const address = server.httpServer.address() as AddressInfo | null;
  if (address === null || typeof address === 'string') throw new Error('vite preview has no TCP address');
  console.log(`[e2e demo] built the demo in ${Math.round(buildMs)} ms; serving it at port ${address.port}`);
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

/** A built demo, a browser and a driver for it; `close()` ends both. */
export interface DemoSession {
  readonly demo: DemoServer;
  readonly session: BrowserSession;
  readonly driver: DemoDriver;
  close(): Promise<void>;
}

export async function openDemoSession(): Promise<DemoSession> {
  const demo = await startDemoServer();
  const session = await openBrowser();
  return {
    demo, session, driver: new DemoDriver(session.page, demo.url),
    close: async () => {
      await session.close();
      await demo.close();
    },
  };
}

/** Drives the demo page in a browser session: open it on a model, set sampling, send a message. */
export class DemoDriver {
  constructor(private readonly page: Page, private readonly url: string) {}

  /** Opens the demo with `query` and waits for the model; fails with the page's message on an error. */
  async open(query: string): Promise<void> {
    await this.page.goto(`${this.url}/${query}`);
    const status = this.page.locator('#status');
    await this.page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: 150_000 });
    expect(await status.getAttribute('data-state'), (await status.textContent()) ?? '').toBe('ready');
    assertAdapterMatchesMode((await this.page.locator('#adapter').textContent()) ?? '');
  }

  async settings({ temperature, maxTokens, ignoreEos = false }: { temperature: string; maxTokens: string; ignoreEos?: boolean }): Promise<void> {
    await this.page.fill('#temperature', temperature);
    await this.page.fill('#max-tokens', maxTokens);
    await this.page.setChecked('#ignore-eos', ignoreEos);
  }

  /** The last assistant turn of `pane`, once it has stopped streaming. */
  async finishedTurn(pane: number): Promise<Locator> {
    const turn = this.page.locator(`[data-pane="${pane}"] .turn.assistant`).last();
    await expect.poll(() => turn.getAttribute('data-state'), { timeout: 150_000 }).not.toBe('streaming');
    return turn;
  }

  async send(pane: number, text: string): Promise<void> {
    const input = this.page.locator(`[data-pane="${pane}"] textarea`);
    await input.fill(text);
    await input.press('Enter');
  }
}
