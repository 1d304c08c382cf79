/**
 * The grammar thread's entry: a Web Worker (started from the engine's worker) or a Node worker
 * thread, serving a GrammarEndpoint over comlink.
 */
import * as Comlink from 'comlink';
import { GrammarEndpoint } from './grammar-endpoint.ts';

/** comlink's node-adapter.mjs (its .d.ts is not found from the .mjs path). */
type NodeEndpointFactory = (port: import('node:worker_threads').MessagePort | import('node:worker_threads').Worker) => Comlink.Endpoint;

async function serve(): Promise<void> {
  const endpoint = new GrammarEndpoint();
  if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined') {
    Comlink.expose(endpoint);
    return;
  }
  // Hidden from bundlers: the browser build never references Node's modules.
  const threads = 'node:worker_threads';
  const adapter = 'comlink/dist/esm/node-adapter.mjs';
  const { parentPort } = (await import(/* @vite-ignore */ threads)) as typeof import('node:worker_threads');
  const { default: nodeEndpoint } = (await import(/* @vite-ignore */ adapter)) as { default: NodeEndpointFactory };
  if (parentPort === null) throw new Error('grammar-worker.ts runs as a worker thread');
  lowerPriority(await import(/* @vite-ignore */ 'node:os') as typeof import('node:os'));
  Comlink.expose(endpoint, nodeEndpoint(parentPort));
}

/**
 * Compiling a large schema is background work: where the OS lets a thread lower its own priority
 * (Linux: nice values are per thread, and `setPriority(0, …)` is this thread), a busy CPU serves
 * the engine's thread (and a software GPU's) first.
 */
function lowerPriority(os: typeof import('node:os')): void {
  try {
    os.setPriority(0, grammarThreadNice);
  } catch {
    // Not permitted here: the thread keeps the engine's priority.
  }
}

const grammarThreadNice = 10;

void serve();
