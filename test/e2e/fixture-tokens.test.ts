/**
 * Browser ≡ Node on the fixture models: headless Chromium (pages/generate.html, library source
 * through vite, weights fetched over HTTP) generates each fixture's golden prompt greedily, on the
 * page and in a Web Worker; this process runs the same generation in Node (Dawn). Tokens must equal
 * the golden ids and Node's, and the first logits' top 20 must match Node's within 1e-4.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDevice, type GpuContext } from '../../src/gpu/device.ts';
import { generate } from '../../src/engine/generate.ts';
import { loadModel } from '../../src/model/load-model.ts';
import { assertAdapterMatchesMode, openBrowser, type BrowserSession } from './browser.ts';
import type { GenerationReport, Where } from './pages/generate.ts';

interface Golden {
  prompt_ids: number[];
  greedy_ids: number[];
  first_logits: number[];
  first_logits_f16_kv: number[];
  max_tokens: number;
}

interface NodeResult {
  completionIds: number[];
  firstLogits: Float32Array;
}

const fixtures = ['qwen2-bf16', 'qwen3-f32', 'llama-f16-sharded', 'qwen2-awq', 'qwen2-gptq-act-order', 'qwen3-gptq-sym'];
const logitTolerance = 1e-4;
const fixturePath = (name: string) => fileURLToPath(new URL(`../fixtures/${name}/`, import.meta.url));
const readGolden = (name: string) => JSON.parse(readFileSync(`${fixturePath(name)}golden.json`, 'utf8')) as Golden;

let session: BrowserSession;
let nodeGpu: GpuContext;
const nodeResults = new Map<string, Promise<NodeResult>>();

beforeAll(async () => {
  nodeGpu = await getDevice();
  console.log(`[e2e] Node adapter: ${nodeGpu.adapterName}`);
  session = await openBrowser();
  await session.page.goto(`${session.baseUrl}/test/e2e/pages/generate.html`);
  await session.page.waitForFunction(() => window.fixtureGeneration !== undefined, undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await session?.close();
});

/** The same generation in this process, once per fixture. */
function nodeResult(name: string): Promise<NodeResult> {
  let result = nodeResults.get(name);
  if (result === undefined) {
    result = (async () => {
      const golden = readGolden(name);
      const model = await loadModel(nodeGpu, fixturePath(name));
      try {
        const { completionIds, firstLogits } = await generate(model, {
          promptIds: golden.prompt_ids,
          maxTokens: golden.max_tokens,
          ignoreEos: true,
          returnFirstLogits: true,
        });
        return { completionIds, firstLogits: firstLogits! };
      } finally {
        model.dispose();
      }
    })();
    nodeResults.set(name, result);
  }
  return result;
}

function runInBrowser(name: string, where: Where): Promise<GenerationReport> {
  return session.page.evaluate(([fixture, place]) => window.fixtureGeneration!.run(fixture, place), [name, where] as const);
}

async function checkAgainstNode(name: string, where: Where): Promise<void> {
  const golden = readGolden(name);
  const report = await runInBrowser(name, where);
  console.log(`[e2e] ${name} (${where}): ${report.completionIds.length} tokens in ${report.milliseconds.toFixed(0)} ms on ${report.adapterName}`);
  assertAdapterMatchesMode(report.adapterName);
  expect(report.promptIds).toEqual(golden.prompt_ids);
  expect(report.completionIds).toEqual(golden.greedy_ids);

  const node = await nodeResult(name);
  expect(report.completionIds).toEqual(node.completionIds);
  expect(report.topLogits).toHaveLength(20);
  let worst = 0;
  for (const [id, logit] of report.topLogits) worst = Math.max(worst, Math.abs(logit - node.firstLogits[id]!));
  console.log(`[e2e] ${name} (${where}): top-20 first logits, max |browser - Node| = ${worst.toExponential(2)}`);
  expect(worst).toBeLessThanOrEqual(logitTolerance);
  // And against the PyTorch reference with an f16 KV cache, at the Node tier's tolerance (model-golden.test.ts).
  for (const [id, logit] of report.topLogits) expect(Math.abs(logit - golden.first_logits_f16_kv[id]!)).toBeLessThan(5e-3);
  // The browser's top token is the one it generated first.
  expect(report.topLogits[0]![0]).toBe(report.completionIds[0]);
  expect(unexpectedPageErrors()).toEqual([]);
}

/** Page errors, less the 404s of optional-file probes (index.json, chat_template.jinja): by design. */
function unexpectedPageErrors(): string[] {
  return session.pageErrors.filter((text) => !/Failed to load resource: .* 404 \(Not Found\)/.test(text));
}

describe.each(fixtures)('%s', (name) => {
  it('the page generates the golden tokens, as Node does', () => checkAgainstNode(name, 'page'));
  it('a Web Worker generates the golden tokens, as Node does', () => checkAgainstNode(name, 'worker'));
});
