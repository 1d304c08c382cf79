/**
 * The engine in a browser Web Worker (Chromium, SwiftShader): 16 concurrent greedy requests give
 * each request the tokens it gets alone — and that Node's engine gives; one streamed message per
 * step per request; an abort frees the blocks; a typed error crosses the worker boundary intact.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EngineRequest } from '../../src/engine/engine-types.ts';
import { getDevice } from '../../src/gpu/device.ts';
import { loadModel } from '../../src/model/load-model.ts';
import { completions, randomPrompt, runTogether } from '../support/engine-runs.ts';
import { Random } from '../support/random.ts';
import { assertAdapterMatchesMode, openBrowser, type BrowserSession } from './browser.ts';
import type { EngineScenarioReport } from './pages/engine-page.ts';

const fixture = 'qwen2-bf16';
let session: BrowserSession;

beforeAll(async () => {
  session = await openBrowser();
  await session.page.goto(`${session.baseUrl}/test/e2e/pages/engine.html`);
  await session.page.waitForFunction(() => window.engineScenario !== undefined, undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await session?.close();
});

it('runs 16 concurrent requests in a worker, each equal to its solo run and to Node', async () => {
  const random = new Random(31);
  const requests: EngineRequest[] = Array.from({ length: 16 }, (_, i) => ({
    id: `w${i}`,
    promptIds: randomPrompt(random, random.int(3, 60), 656),
    sampling: { maxTokens: random.int(4, 16), temperature: 0, ignoreEos: true },
  }));
  const report = await session.page.evaluate(([name, list]) => window.engineScenario!.run(name, list), [fixture, requests] as const) as EngineScenarioReport;
  console.log(`[e2e] engine worker on ${report.adapterName}: ${report.stats.steps} steps, max running ${report.stats.maxRunning}`);
  assertAdapterMatchesMode(report.adapterName);
  expect(report.together).toEqual(report.alone);
  expect(report.stats.maxRunning).toBeGreaterThanOrEqual(8);
  for (const request of requests) {
    // One message per step that produced a token, each carrying that one token.
    expect(report.messages[request.id]).toBe(request.sampling.maxTokens);
    expect(report.streamed[request.id]).toEqual(report.together[request.id]);
  }
  expect(report.aborted.finishReason).toBe('abort');
  expect(report.aborted.tokens).toBeLessThan(200);
  expect(report.aborted.blocksFreeAfter).toBe(report.aborted.blocksTotal);
  expect(report.badRequest).toEqual({ name: 'LlmError', code: 'invalid_argument', subject: 'maxTokens', isError: true });

  const gpu = await getDevice();
  const model = await loadModel(gpu, new URL(`../fixtures/${fixture}/`, import.meta.url).pathname, { maxNumSeqs: 16 });
  try {
    const node = await runTogether(model, requests);
    expect(report.together).toEqual(completions(node.results));
  } finally {
    model.dispose();
  }
});
