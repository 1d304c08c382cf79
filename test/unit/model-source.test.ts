import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openModelSource, type ModelSource } from '../../src/hub/model-source.ts';
import { isLlmError, type ErrorCode } from '../../src/errors.ts';

async function expectRejects(promise: Promise<unknown>, code: ErrorCode, subject: string): Promise<void> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isLlmError(caught, code), `expected LlmError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { subject: string }).subject).toBe(subject);
}

let folder: string;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'model-source-'));
  await writeFile(join(folder, 'config.json'), '{"hidden_size": 8}');
  await writeFile(join(folder, 'broken.json'), '{"hidden_size": ');
  await writeFile(join(folder, 'weights.bin'), new Uint8Array([1, 2, 3, 255]));
  await writeFile(join(folder, 'text.txt'), 'héllo ✓');
  await mkdir(join(folder, 'subfolder'));

  // A static server with the quirks real ones have: HEAD refused on /nohead/, and an SPA
  // fallback (index.html with 200) under /spa/, like vite's dev server.
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const [, mode, name] = url.pathname.split('/');
    if (mode === 'nohead' && request.method === 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    readFile(join(folder, name ?? ''))
      .then((body) => {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        response.end(request.method === 'HEAD' ? undefined : body);
      })
      .catch(() => {
        if (mode === 'spa') response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>');
        else response.writeHead(404).end('not found');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no server address');
  baseUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(folder, { recursive: true, force: true });
});

function behavesLikeAModelFolder(open: () => ModelSource): void {
  it('reads bytes, text and JSON', async () => {
    const source = open();
    expect(Array.from(await source.readFile('weights.bin'))).toEqual([1, 2, 3, 255]);
    expect(await source.readText('text.txt')).toBe('héllo ✓');
    expect(await source.readJson('config.json')).toEqual({ hidden_size: 8 });
  });

  it('says which files exist', async () => {
    const source = open();
    expect(await source.exists('config.json')).toBe(true);
    expect(await source.exists('absent.json')).toBe(false);
  });

  it("names a missing file ('missing_file') and bad JSON ('invalid_config')", async () => {
    const source = open();
    await expectRejects(source.readFile('model-00002-of-00002.safetensors'), 'missing_file', 'model-00002-of-00002.safetensors');
    await expectRejects(source.readJson('absent.json'), 'missing_file', 'absent.json');
    await expectRejects(source.readJson('broken.json'), 'invalid_config', 'broken.json');
  });
}

describe('local folder', () => {
  behavesLikeAModelFolder(() => openModelSource(folder));

  it('accepts a trailing slash and a file:// URL', async () => {
    expect(await openModelSource(`${folder}/`).readJson('config.json')).toEqual({ hidden_size: 8 });
    expect(await openModelSource(pathToFileURL(folder)).readJson('config.json')).toEqual({ hidden_size: 8 });
    expect(await openModelSource(pathToFileURL(folder).href).exists('config.json')).toBe(true);
  });

  it('does not count a folder as a file', async () => {
    const source = openModelSource(folder);
    expect(await source.exists('subfolder')).toBe(false);
    await expectRejects(source.readFile('subfolder'), 'missing_file', 'subfolder');
  });

  it('returns a plain Uint8Array, not a Buffer', async () => {
    const bytes = await openModelSource(folder).readFile('weights.bin');
    expect(bytes.constructor).toBe(Uint8Array);
  });
});

describe('http folder', () => {
  behavesLikeAModelFolder(() => openModelSource(`${baseUrl}/plain/`));

  it('works without a trailing slash and from a URL object', async () => {
    expect(await openModelSource(`${baseUrl}/plain`).readJson('config.json')).toEqual({ hidden_size: 8 });
    expect(await openModelSource(new URL(`${baseUrl}/plain/`)).exists('config.json')).toBe(true);
  });

  it('falls back to GET when HEAD is refused', async () => {
    const source = openModelSource(`${baseUrl}/nohead/`);
    expect(await source.exists('config.json')).toBe(true);
    expect(await source.exists('absent.json')).toBe(false);
  });

  it('treats an SPA fallback page as a missing file', async () => {
    const source = openModelSource(`${baseUrl}/spa/`);
    expect(await source.exists('model.safetensors.index.json')).toBe(false);
    await expectRejects(source.readFile('model.safetensors'), 'missing_file', 'model.safetensors');
    expect(await source.readJson('config.json')).toEqual({ hidden_size: 8 });
  });

  it('says the host could not be reached (network_error, not missing_file), naming the file', async () => {
    const error = await openModelSource('http://127.0.0.1:1/').readFile('config.json').catch((e: unknown) => e);
    await expectRejects(Promise.reject(error), 'network_error', 'config.json');
    expect(String((error as Error).message)).toMatch(/^127\.0\.0\.1:1 could not be reached \(offline\?\)/);
  });
});
