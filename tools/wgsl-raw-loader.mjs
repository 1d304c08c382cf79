// Node module hooks: `import text from './file.wgsl?raw'` yields the file's text, as Vite does,
// so the CLI and benchmarks (run through tsx) load shaders exactly like the browser bundle.
import { readFile } from 'node:fs/promises';

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('?raw')) {
    const text = await readFile(new URL(url.slice(0, -'?raw'.length)), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
