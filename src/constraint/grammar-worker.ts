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
  Comlink.expose(endpoint, nodeEndpoint(parentPort));
}

void serve();
