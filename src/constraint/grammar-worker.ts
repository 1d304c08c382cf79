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
  const { parentPort } = await importNode<typeof import('node:worker_threads')>('node:worker_threads');
  const { default: nodeEndpoint } = await importNode<{ default: NodeEndpointFactory }>('comlink/dist/esm/node-adapter.mjs');
  if (parentPort === null) throw new Error('grammar-worker.ts runs as a worker thread');
  await lowerPriority();
  Comlink.expose(endpoint, nodeEndpoint(parentPort));
}

/**
 * Compiling a large schema is background work. Node has no thread-priority API, so on Linux
 * (where nice values and scheduling policies are per thread) this thread lowers itself: nice 19
 * at once, then SCHED_IDLE through `chrt` on its own thread id, under which any waking thread
 * of normal priority (the engine's, a software GPU's) preempts it at once. Nice alone still let a
 * compile delay each wake-up of a software GPU's threads (4x slower steps on 2 cores).
 * Best effort: where neither is allowed, the thread keeps normal priority.
 */
async function lowerPriority(): Promise<void> {
  const os = await importNode<typeof import('node:os')>('node:os');
  try {
    os.setPriority(0, 19);
  } catch {
    // Not permitted here.
  }
  if (os.platform() !== 'linux') return;
  try {
    const { readlinkSync } = await importNode<typeof import('node:fs')>('node:fs');
    const { execFile } = await importNode<typeof import('node:child_process')>('node:child_process');
    const threadId = readlinkSync('/proc/thread-self').split('/').pop()!;
    execFile('chrt', ['--idle', '--pid', '0', threadId], () => undefined);
  } catch {
    // No /proc or no chrt: nice 19 is what there is.
  }
}

/** Hidden from bundlers: the browser build never references Node's modules. */
async function importNode<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

void serve();
