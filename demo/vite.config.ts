/**
 * Builds the demo as a static site: `npx vite build -c demo/vite.config.ts` writes dist/demo/
 * (index.html, assets/ with the page and the engine's worker, and public/'s models under
 * models/), and `npx vite preview -c demo/vite.config.ts` serves it. The e2e test builds it the
 * same way (into test-results/) and tests the built page.
 *
 * The root stays the repository root, as for the dev server (`npm start`), so the page's absolute
 * paths (/demo/main.ts) mean the same in both; the built page is moved to the site's root.
 * The preview server also serves test/fixtures/ (the random-weight development model), which a
 * deployed site does not have, and serves the model folders itself: vite preview would send a
 * .safetensors file with an empty Content-Type, which its compression takes for text and gzips,
 * and a browser that revalidates such a response (same ETag, other encoding) can hand back the
 * compressed bytes as the file.
 */
import { createReadStream, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
/** URL prefix → folder of model folders served as plain files (no compression), with byte ranges. */
const modelFolders: Record<string, string> = {
  '/test/fixtures/': join(root, 'test', 'fixtures'),
  '/models/': join(root, 'public', 'models'),
};

/** demo/index.html is emitted as the site's index.html (its asset URLs are absolute). */
function pageAtRoot(): Plugin {
  return {
    name: 'demo-page-at-root',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const page = bundle['demo/index.html'];
      if (page?.type !== 'asset') return;
      delete bundle['demo/index.html'];
      this.emitFile({ type: 'asset', fileName: 'index.html', source: page.source });
    },
  };
}

const types: Record<string, string> = { '.json': 'application/json', '.safetensors': 'application/octet-stream' };

/** GET / HEAD of a model file, with single byte ranges (the loader reads headers so). */
function sendModelFile(path: string, range: string | undefined, head: boolean, response: ServerResponse): void {
  const size = statSync(path).size;
  const match = /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
  const start = match ? Number(match[1]) : 0;
  const end = match && match[2] !== '' ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (match && start >= size) {
    response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    return;
  }
  response.writeHead(match ? 206 : 200, {
    'content-type': types[extname(path)] ?? 'application/octet-stream',
    'content-length': String(end - start + 1),
    'accept-ranges': 'bytes',
    ...(match ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (head || end < start) response.end();
  else createReadStream(path, { start, end }).pipe(response);
}

function modelFoldersInPreview(): Plugin {
  return {
    name: 'demo-model-folders-in-preview',
    configurePreviewServer(server) {
      for (const [prefix, folder] of Object.entries(modelFolders)) {
        server.middlewares.use(prefix, (request, response) => {
          const path = normalize(join(folder, decodeURIComponent((request.url ?? '').replace(/[?#].*$/, ''))));
          let isFile = false;
          try {
            isFile = path.startsWith(folder + sep) && statSync(path).isFile();
          } catch {
            // not there
          }
          if (!isFile || (request.method !== 'GET' && request.method !== 'HEAD')) {
            response.writeHead(404).end();
            return;
          }
          sendModelFile(path, request.headers.range, request.method === 'HEAD', response);
        });
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  plugins: [pageAtRoot(), modelFoldersInPreview()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist/demo',
    emptyOutDir: true,
    sourcemap: true,
    // The page bundles the whole engine (createEngine can also run it in-process), ~0.5 MB minified.
    chunkSizeWarningLimit: 1024,
    rolldownOptions: { input: join(root, 'demo', 'index.html') },
  },
});
