/**
 * e2e test page: greedy generation of a fixture's golden prompt with the library source, on the
 * page's own device or inside a Web Worker (generate-worker.ts runs the same runFixture).
 * The test drives it through `window.fixtureGeneration.run(name, where)`.
 */
import { generate, getDevice, loadModel, type GpuContext } from '../../../src/index.ts';

export type Where = 'page' | 'worker';

export interface GenerationReport {
  fixture: string;
  where: Where;
  adapterName: string;
  promptIds: number[];
  completionIds: number[];
  /** The first logits' 20 largest, as [token id, logit], largest first. */
  topLogits: [number, number][];
  milliseconds: number;
}

/** The worker's answer: postMessage cannot carry the stack of a thrown error, so it is text. */
export type WorkerReply = { report: GenerationReport } | { error: string };

interface Golden {
  prompt_ids: number[];
  max_tokens: number;
}

let gpu: Promise<GpuContext> | undefined;

export function topLogits(logits: Float32Array, count: number): [number, number][] {
  return Array.from(logits, (logit, id): [number, number] => [id, logit])
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
}

/** Loads /test/fixtures/<name>/ by absolute URL (the fetch path) and generates its golden case. */
export async function runFixture(name: string, where: Where): Promise<GenerationReport> {
  const folder = new URL(`/test/fixtures/${name}/`, self.location.href).href;
  const golden = (await (await fetch(`${folder}golden.json`)).json()) as Golden;
  gpu ??= getDevice();
  const context = await gpu;
  const model = await loadModel(context, folder);
  try {
    const start = performance.now();
    const result = await generate(model, {
      promptIds: golden.prompt_ids,
      maxTokens: golden.max_tokens,
      ignoreEos: true,
      returnFirstLogits: true,
    });
    if (result.firstLogits === undefined) throw new Error('generate() returned no first logits');
    return {
      fixture: name,
      where,
      adapterName: context.adapterName,
      promptIds: golden.prompt_ids,
      completionIds: result.completionIds,
      topLogits: topLogits(result.firstLogits, 20),
      milliseconds: performance.now() - start,
    };
  } finally {
    model.dispose();
  }
}

function runInWorker(name: string): Promise<GenerationReport> {
  // One worker per run: its device and model go away with it.
  const worker = new Worker(new URL('./generate-worker.ts', import.meta.url), { type: 'module', name: `generate-${name}` });
  return new Promise<GenerationReport>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if ('report' in reply) resolve(reply.report);
      else reject(new Error(`worker: ${reply.error}`));
    };
    worker.onerror = (event) => reject(new Error(`worker failed to run: ${event.message}`));
    worker.postMessage(name);
  }).finally(() => worker.terminate());
}

export interface FixtureGeneration {
  run(name: string, where: Where): Promise<GenerationReport>;
}

declare global {
  interface Window {
    fixtureGeneration?: FixtureGeneration;
  }
}

// The worker imports runFixture from here too; only the page publishes the entry point.
if (typeof document !== 'undefined') {
  window.fixtureGeneration = {
    run: (name, where) => (where === 'worker' ? runInWorker(name) : runFixture(name, 'page')),
  };
}
