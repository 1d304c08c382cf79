/**
 * e2e test page: the engine in a Web Worker, driven from the page through EngineWorkerClient.
 * `window.engineScenario.run(fixture, requests)` submits every request at once (streaming), then
 * each alone, then an abort and a bad request, and reports what it saw.
 */
import type { EngineRequest, EngineStats } from '../../../src/engine/engine-types.ts';
import { EngineWorkerClient } from '../../../src/worker/worker-client.ts';

export interface EngineScenarioReport {
  adapterName: string;
  together: Record<string, number[]>;
  alone: Record<string, number[]>;
  /** Streamed messages per request in the concurrent run, and the tokens they carried. */
  messages: Record<string, number>;
  streamed: Record<string, number[]>;
  stats: EngineStats;
  aborted: { finishReason: string; tokens: number; blocksFreeAfter: number; blocksTotal: number };
  badRequest: { name: string; code: string; subject: string | null; isError: boolean };
}

async function run(fixture: string, requests: EngineRequest[]): Promise<EngineScenarioReport> {
  const client = new EngineWorkerClient(new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' }));
  try {
    const info = await client.load(new URL(`/test/fixtures/${fixture}/`, location.href).href, { maxNumSeqs: 16 });
    const messages: Record<string, number> = {};
    const streamed: Record<string, number[]> = {};
    const results = await Promise.all(requests.map((request) => client.submit(request, (output) => {
      messages[output.requestId] = (messages[output.requestId] ?? 0) + 1;
      (streamed[output.requestId] ??= []).push(...output.tokenIds);
    })));
    const stats = await client.stats();
    const alone: Record<string, number[]> = {};
    for (const request of requests) alone[request.id] = [...(await client.submit(request)).completionIds];

    const long = { id: 'to-abort', promptIds: requests[0]!.promptIds, sampling: { maxTokens: 200, temperature: 0, ignoreEos: true } };
    let tokens = 0;
    const pending = client.submit(long, () => {
      if (++tokens === 3) void client.abort('to-abort');
    });
    const aborted = await pending;
    const after = await client.stats();

    let badRequest: EngineScenarioReport['badRequest'] = { name: '', code: '', subject: null, isError: false };
    try {
      await client.submit({ id: 'bad', promptIds: [1], sampling: { maxTokens: 0 } });
    } catch (error) {
      const e = error as { name: string; code: string; subject?: string };
      badRequest = { name: e.name, code: e.code, subject: e.subject ?? null, isError: error instanceof Error };
    }
    return {
      adapterName: info.adapterName,
      together: Object.fromEntries(results.map((result) => [result.id, [...result.completionIds]])),
      alone,
      messages,
      streamed,
      stats,
      aborted: { finishReason: aborted.finishReason, tokens: aborted.completionIds.length, blocksFreeAfter: after.blocksFree, blocksTotal: after.blocksTotal },
      badRequest,
    };
  } finally {
    await client.terminate();
  }
}

declare global {
  interface Window {
    engineScenario?: { run: typeof run };
  }
}

window.engineScenario = { run };
document.getElementById('report')!.textContent = 'ready';
