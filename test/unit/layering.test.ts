/**
 * The module layering of the design (src/): arrows point down the table server → api → worker →
 * chat/tools → engine → constraint/model → gpu, with text and hub beside (any layer may use them;
 * they use only each other and the root helpers), and the root helpers (errors, shown-value,
 * printable-text) under everything. A file importing from a layer above its own fails here, as
 * does a folder the table does not place; the demo uses only the public surface (src/index.ts).
 * Type-only imports count: a type from above is a dependency on above.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const src = join(root, 'src');

/** Rank per folder of src/: a file may import from its own folder and from lower ranks (server: Node's HTTP front of the api). */
const ranks: Record<string, number> = { server: 8, api: 7, worker: 6, chat: 5, tools: 5, engine: 4, constraint: 3, model: 3, gpu: 2 };
const beside = new Set(['text', 'hub']);
const ROOT_HELPERS = 'root';

function filesUnder(folder: string, extension = '.ts'): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path, extension) : name.endsWith(extension) ? [path] : [];
  });
}

/** Relative module specifiers of a file: static, side-effect, type-only and dynamic imports, and re-exports. */
export function relativeImports(text: string): string[] {
  const found = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
  return [...new Set(found)];
}

/** The layer a file of src/ belongs to: its folder, 'root' for src/*.ts, 'index' for the public surface. */
function layerOf(file: string): string {
  const parts = relative(src, file).split(/[\\/]/);
  if (parts.length === 1) return parts[0] === 'index.ts' ? 'index' : ROOT_HELPERS;
  return parts[0]!;
}

/** Why `from` may not import `to`, or undefined when it may. */
function violation(from: string, to: string): string | undefined {
  if (from === to || from === 'index') return undefined;
  if (to === 'index') return 'only the demo and outside code import the public surface';
  if (to === ROOT_HELPERS) return undefined;
  if (from === ROOT_HELPERS) return 'root helpers import only each other';
  if (beside.has(from)) return beside.has(to) ? undefined : `${from} sits beside the layers and may not import ${to}`;
  if (beside.has(to)) return undefined;
  const [rankFrom, rankTo] = [ranks[from], ranks[to]];
  if (rankFrom === undefined || rankTo === undefined) return `no layer for ${rankFrom === undefined ? from : to}`;
  return rankTo > rankFrom ? `${to} is above ${from}` : undefined;
}

describe('module layering', () => {
  it('every folder of src/ has a place in the table', () => {
    const folders = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory());
    const unplaced = folders.filter((name) => ranks[name] === undefined && !beside.has(name));
    expect(unplaced).toEqual([]);
  });

  it('no file of src/ imports from a layer above its own', () => {
    const problems: string[] = [];
    for (const file of filesUnder(src)) {
      for (const specifier of relativeImports(readFileSync(file, 'utf8'))) {
        const target = normalize(join(dirname(file), specifier));
        // The kernels' WGSL sources sit in shaders/, the bottom of the table, beside gpu/.
        if (target.startsWith(join(root, 'shaders')) && layerOf(file) === 'gpu') continue;
        if (!target.startsWith(src)) {
          problems.push(`${relative(root, file)} imports ${specifier}, outside src/`);
          continue;
        }
        const why = violation(layerOf(file), layerOf(target));
        if (why !== undefined) problems.push(`${relative(root, file)} imports ${specifier}: ${why}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the demo imports the library only through src/index.ts', () => {
    const problems = filesUnder(join(root, 'demo')).flatMap((file) => relativeImports(readFileSync(file, 'utf8'))
      .filter((specifier) => specifier.includes('/src/') && !specifier.endsWith('/src/index.ts'))
      .map((specifier) => `${relative(root, file)} imports ${specifier}`));
    expect(problems).toEqual([]);
  });

  it('the checker itself sees upward, type-only and dynamic imports', () => {
    const text = "import type { A } from '../api/a.ts';\nconst b = await import('./b.ts');\nexport { c } from '../text/c.ts';\nimport '../gpu/d.ts';";
    expect(relativeImports(text)).toEqual(['../api/a.ts', './b.ts', '../text/c.ts', '../gpu/d.ts']);
    expect(violation('engine', 'api')).toMatch(/above/);
    expect(violation('model', 'constraint')).toBeUndefined();
    expect(violation('text', 'model')).toMatch(/beside/);
    expect(violation('gpu', 'text')).toBeUndefined();
    expect(violation(ROOT_HELPERS, 'gpu')).toMatch(/root helpers/);
    expect(violation('engine', 'index')).toMatch(/public surface/);
    expect(violation('api', 'server')).toMatch(/above/);
    expect(violation('api', 'plugins')).toMatch(/no layer/);
  });
});
