/**
 * Dev server for the demo and the e2e test pages, and the library build.
 *
 * The root is the repository root so that the demo, the test pages, src/ and the fixture models
 * under test/fixtures/ are all served from one origin; `/` shows demo/index.html, and public/ (the
 * demo's embedded model, public/models/tiny-tool-qwen/) is served at `/` (`/models/…`).
 * The demo's static build has its own config: demo/vite.config.ts.
 * `vite build` builds the library (src/index.ts → dist/index.js); declarations come from
 * `tsc -p tsconfig.build.json` (see the `build` script).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const packageJson = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>;
};

/**
 * Runtime dependencies stay imports in dist/ (the app's bundler resolves them), subpaths too.
 * So do Node built-ins: the Node-only code path imports them lazily, and a browser stub would
 * break dist/ under Node.
 */
const dependencies = Object.keys(packageJson.dependencies ?? {});
const external = (id: string): boolean =>
  id.startsWith('node:') || dependencies.some((name) => id === name || id.startsWith(`${name}/`));

/** Rewrites `/` (with or without a query) to the demo page, before Vite's own middlewares. */
function demoAtRoot(): Plugin {
  return {
    name: 'demo-at-root',
    configureServer(server) {
      server.middlewares.use((request, _response, next) => {
        const url = request.url ?? '';
        if (url === '/' || url.startsWith('/?')) request.url = `/demo/index.html${url.slice(1)}`;
        next();
      });
    },
  };
}

export default defineConfig({
  root,
  plugins: [demoAtRoot()],
  worker: { format: 'es' },
  optimizeDeps: {
    // Scan the pages and the worker (which the HTML scan does not reach) up front, so that a
    // first page load does not discover dependencies late and reload mid-test.
    entries: ['demo/index.html', 'src/worker/chat-worker.ts', 'src/worker/shared-chat-worker.ts', 'test/e2e/pages/*.html'],
    include: ['comlink', 'openai', '@mlc-ai/web-xgrammar'],
  },
  server: {
    watch: { ignored: ['**/test-results/**', '**/dist/**'] },
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    // public/ holds the demo's model (served at /models/ by the dev server); not part of the library.
    copyPublicDir: false,
    lib: {
      entry: 'src/index.ts',
      formats: ['es'],
      fileName: 'index',
    },
    rolldownOptions: { external },
  },
});
