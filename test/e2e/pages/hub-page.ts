/**
 * e2e test page: a model loaded by Hub id, as an app does it — `createEngine({ model, hubUrl,
 * onProgress })` with the engine in its built-in worker (so progress crosses the worker boundary
 * and Cache Storage is used from the worker), a short greedy reply to show the weights work, and
 * the package's cache helpers on the page.
 */
import { createEngine } from '../../../src/api/create-engine.ts';
import { clearModelCache, modelCacheStatus, type ModelCacheStatus } from '../../../src/hub/model-cache.ts';
import type { LoadProgress } from '../../../src/model/load-progress.ts';

export interface HubLoadReport {
  adapterName: string;
  events: LoadProgress[];
  content: string | null;
  modelName: string;
}

export interface HubLoadFailure {
  error: { name: string; code: string; subject: string | null; message: string };
  events: LoadProgress[];
}

function failure(error: unknown, events: LoadProgress[]): HubLoadFailure {
  const e = error as { name?: string; code?: string; subject?: string; message?: string };
  return { error: { name: e.name ?? '', code: e.code ?? '', subject: e.subject ?? null, message: e.message ?? String(error) }, events };
}

async function load(model: string, hubUrl: string): Promise<HubLoadReport | HubLoadFailure> {
  const events: LoadProgress[] = [];
  let engine;
  try {
    engine = await createEngine({ model, hubUrl, maxModelLen: 128, onProgress: (event) => void events.push(event) });
  } catch (error) {
    return failure(error, events);
  }
  try {
    const reply = await engine.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Hello' }], temperature: 0, max_tokens: 4, ignore_eos: true,
    });
    return { adapterName: engine.info.adapterName, events, content: reply.choices[0]!.message.content, modelName: reply.model };
  } finally {
    await engine.dispose();
  }
}

/** createEngine in-process on a page whose navigator has no `gpu`, as in a browser without WebGPU. */
async function loadWithoutWebGpu(model: string, hubUrl: string): Promise<HubLoadFailure | undefined> {
  Object.defineProperty(navigator, 'gpu', { value: undefined, configurable: true });
  try {
    const engine = await createEngine({ model, hubUrl, worker: false });
    await engine.dispose();
    return undefined;
  } catch (error) {
    return failure(error, []);
  } finally {
    delete (navigator as { gpu?: unknown }).gpu;
  }
}

const status = (model: string, hubUrl: string): Promise<ModelCacheStatus> => modelCacheStatus(model, { hubUrl });
const clear = (model: string, hubUrl: string): Promise<number> => clearModelCache(model, { hubUrl });

declare global {
  interface Window {
    hubScenario?: { load: typeof load; loadWithoutWebGpu: typeof loadWithoutWebGpu; status: typeof status; clear: typeof clear };
  }
}

window.hubScenario = { load, loadWithoutWebGpu, status, clear };
document.getElementById('report')!.textContent = 'ready';
