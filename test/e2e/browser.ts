/**
 * e2e harness: the vite dev server on 127.0.0.1 (a secure context, so `navigator.gpu` exists)
 * and Debian's Chromium driven by playwright-core — never a Playwright-downloaded browser.
 *
 * Default mode forces SwiftShader (CPU WebGPU); `WEBGPU_E2E_GPU=1` (GPU runners) drops those
 * flags and `assertAdapterMatchesMode` then rejects a SwiftShader adapter, so a GPU run is never
 * silently a CPU run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** True on GPU runners: use the hardware adapter and fail if SwiftShader is what we got. */
export const gpuMode = process.env.WEBGPU_E2E_GPU === '1';

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function chromiumArgs(): string[] {
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    // Containers often have a tiny /dev/shm; Chromium then crashes under load.
    '--disable-dev-shm-usage',
    // These machines have no network beyond the test server; stop Chromium from trying.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
  if (!gpuMode) args.push('--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader');
  return args;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export function isSwiftShader(info: AdapterDescription | string): boolean {
  const text = typeof info === 'string' ? info : Object.values(info).join(' ');
  return /swiftshader/i.test(text);
}

/** In GPU-runner mode a SwiftShader adapter is a failure, not a fallback. */
export function assertAdapterMatchesMode(info: AdapterDescription | string): void {
  if (gpuMode && isSwiftShader(info)) {
    throw new Error(`WEBGPU_E2E_GPU=1 but the browser's adapter is SwiftShader: ${JSON.stringify(info)}`);
  }
}

export interface BrowserSession {
  page: Page;
  context: BrowserContext;
  /** e.g. `http://127.0.0.1:41234`, no trailing slash. */
  baseUrl: string;
  /** Console errors and uncaught page errors seen so far (also printed as they happen). */
  pageErrors: string[];
  close(): Promise<void>;
}

async function startServer(): Promise<{ server: ViteDevServer; baseUrl: string }> {
  const server = await createServer({
    configFile: join(repoRoot, 'vite.config.ts'),
    root: repoRoot,
    logLevel: 'warn',
    clearScreen: false,
    // Port 0: the OS picks a free port, so parallel runs on one machine cannot collide.
    server: { host: '127.0.0.1', port: 0, strictPort: true, watch: null },
  });
  await server.listen();
  const address = server.httpServer?.address() as AddressInfo | null;
  if (!address || typeof address === 'string') throw new Error('vite dev server has no TCP address');
  return { server, baseUrl: `http://127.0.0.1:${address.port}` };
}

/** Prints the page's (and its workers') errors into the test output. */
function forwardErrors(page: Page, pageErrors: string[]): void {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url, lineNumber } = message.location();
    const where = url ? ` (${url}:${lineNumber})` : '';
    const text = `[browser console.error] ${message.text()}${where}`;
    pageErrors.push(text);
    console.error(text);
  });
  page.on('pageerror', (error) => {
    const text = `[browser pageerror] ${error.stack ?? error.message}`;
    pageErrors.push(text);
    console.error(text);
  });
  page.on('crash', () => console.error('[browser] page crashed'));
}

/** Starts the dev server and Chromium with a fresh profile; `close()` undoes both. */
export async function openBrowser(): Promise<BrowserSession> {
  const { server, baseUrl } = await startServer();
  const userDataDir = await mkdtemp(join(tmpdir(), 'webgpu-e2e-profile-'));
  let context: BrowserContext | undefined;
  const close = async (): Promise<void> => {
    await context?.close().catch(() => undefined);
    await server.close();
    await rm(userDataDir, { recursive: true, force: true });
  };
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs(),
      viewport: { width: 1000, height: 760 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    forwardErrors(page, pageErrors);
    return { page, context, baseUrl, pageErrors, close };
  } catch (error) {
    await close();
    throw error;
  }
}
