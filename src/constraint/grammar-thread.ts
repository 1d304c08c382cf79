/**
 * The engine's side of the grammar thread (grammar-worker.ts): starts it, forwards calls, and
 * replaces it when its runtime fails. Every constraint remembers the thread that made it; once
 * that thread is gone its calls fail with 'constraint_runtime_failed', and the next compile
 * starts a fresh thread (a fresh wasm instance), so a trap never leaks into later requests.
 *
 * Where no worker can start (a Node build without the TypeScript sources and loader), the same
 * service runs in this thread: correct, but a long compile then holds up the step loop.
 */
import * as Comlink from 'comlink';

/** comlink's node-adapter.mjs (its .d.ts is not found from the .mjs path). */
type NodeEndpointFactory = (port: import('node:worker_threads').MessagePort | import('node:worker_threads').Worker) => Comlink.Endpoint;
import { LlmError, type ErrorCode } from '../errors.ts';
import type { ConstraintSpec } from './constraint-spec.ts';
import { GrammarService, type CompiledStart, type GrammarSetup, type MaskStep } from './grammar-service.ts';
import { outcome, type GrammarEndpoint, type Outcome } from './grammar-endpoint.ts';
import { discardXGrammar } from './xgrammar-runtime.ts';

/** One running grammar runtime: a worker's endpoint, or the service in this thread. */
export interface GrammarLink {
  compile(spec: ConstraintSpec): Promise<Outcome<CompiledStart>>;
  resume(spec: ConstraintSpec, tokens: readonly number[]): Promise<Outcome<CompiledStart>>;
  advance(id: number, token: number): Promise<Outcome<MaskStep | undefined>>;
  release(id: number): void;
  size(): Promise<number>;
  /** Ends the runtime; resolves once its thread is gone (and its memory with it). */
  close(): Promise<void>;
  /** Set when the thread died on its own (a crash, not an answer). */
  crashed?: Error;
}

export type GrammarSpawner = (setup: GrammarSetup) => Promise<GrammarLink>;

export class GrammarThread {
  private current: Promise<GrammarLink> | undefined;
  /** Threads replaced after a failure (for tests and statistics). */
  restarts = 0;
  private closed = false;

  constructor(private readonly setup: GrammarSetup, private readonly spawn: GrammarSpawner = spawnGrammarLink) {}

  /** Starts the thread now (so the first constrained request does not wait for it). */
  async start(): Promise<void> {
    await this.link();
  }

  async compile(spec: ConstraintSpec): Promise<{ link: GrammarLink; start: CompiledStart }> {
    const link = await this.link();
    const start = unwrap(await this.call(link, () => link.compile(spec)), this, link);
    return { link, start };
  }

  /** `spec`'s grammar after `tokens`, on the current thread (after the one it was on died). */
  async resume(spec: ConstraintSpec, tokens: readonly number[]): Promise<{ link: GrammarLink; start: CompiledStart }> {
    const link = await this.link();
    const start = unwrap(await this.call(link, () => link.resume(spec, tokens)), this, link);
    return { link, start };
  }

  async advance(link: GrammarLink, id: number, token: number): Promise<MaskStep | undefined> {
    if (link.crashed !== undefined || !(await this.isCurrent(link))) throw lostGrammar();
    return unwrap(await this.call(link, () => link.advance(id, token)), this, link);
  }

  release(link: GrammarLink, id: number): void {
    if (link.crashed === undefined) link.release(id);
  }

  /** Marks `link` dead: it is closed, and the next call starts another. */
  retire(link: GrammarLink): void {
    void this.current?.then((live) => {
      if (live !== link) return;
      this.current = undefined;
      this.restarts++;
      void link.close();
    }, () => undefined);
  }

  /** Ends the thread (after its start, if it is starting); resolves once it is gone. */
  async close(): Promise<void> {
    this.closed = true;
    const current = this.current;
    this.current = undefined;
    const link = await current?.catch(() => undefined);
    await link?.close();
  }

  /** Constraints alive on the current thread. */
  async size(): Promise<number> {
    return this.current === undefined ? 0 : (await this.current).size();
  }

  private link(): Promise<GrammarLink> {
    if (this.closed) return Promise.reject(new Error('the grammar thread was closed'));
    this.current ??= this.spawn(this.setup).catch((error: unknown) => {
      this.current = undefined;
      throw error;
    });
    return this.current;
  }

  private async isCurrent(link: GrammarLink): Promise<boolean> {
    return this.current !== undefined && (await this.current.catch(() => undefined)) === link;
  }

  /** A crash (the worker exited) rejects the call; it is a dead runtime like a trap. */
  private async call<T>(link: GrammarLink, fn: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
    try {
      return await fn();
    } catch (error) {
      this.retire(link);
      throw lostGrammar(error);
    }
  }
}

function lostGrammar(cause?: unknown): LlmError {
  const why = cause instanceof Error ? ` (${cause.name})` : '';
  return new LlmError('constraint_runtime_failed', `the grammar runtime failed and was replaced${why}; this request's grammar was lost`, 'constraint');
}

function unwrap<T>(outcome: Outcome<T>, thread: GrammarThread, link: GrammarLink): T {
  if ('value' in outcome) return outcome.value;
  const { code, message, subject, name, dead } = outcome.error;
  if (dead === true) thread.retire(link);
  if (code !== undefined) throw new LlmError(code as ErrorCode, message, subject);
  const error = new Error(message);
  error.name = name;
  throw error;
}

/** XGrammar could not start (no wasm, or the worker failed to load). */
export class GrammarStartError extends Error {
  override readonly name = 'GrammarStartError';
}

/** A worker where the platform has one (browser, or Node running the TypeScript sources), else in-thread. */
export async function spawnGrammarLink(setup: GrammarSetup): Promise<GrammarLink> {
  const starting = (typeof Worker === 'function' ? browserLink() : await nodeLink()) ?? inThreadLink();
  let started: Outcome<true>;
  try {
    started = await starting.start(setup);
  } catch (error) {
    started = { error: { name: 'Error', message: error instanceof Error ? error.message : String(error) } };
  }
  if (!('value' in started)) {
    starting.link.close();
    throw new GrammarStartError(`XGrammar could not start: ${started.error.message}`);
  }
  return starting.link;
}

interface Starting {
  start(setup: GrammarSetup): Promise<Outcome<true>>;
  link: GrammarLink;
}

function remoteLink(remote: Comlink.Remote<GrammarEndpoint>, terminate: () => Promise<unknown> | void): Starting & { fail(error: Error): void } {
  // comlink never settles a call whose worker is gone: every call also races the thread's end.
  let end!: (error: Error) => void;
  const ended = new Promise<never>((_, reject) => (end = reject));
  ended.catch(() => undefined);
  const race = <T>(call: Promise<unknown>): Promise<T> => Promise.race([call, ended]) as Promise<T>;
  let closed = false;
  const fail = (error: Error) => {
    link.crashed ??= error;
    end(error);
  };
  const link: GrammarLink = {
    compile: (spec) => race(remote.compile(spec)),
    resume: (spec, tokens) => race(remote.resume(spec, tokens)),
    advance: (id, token) => race(remote.advance(id, token)),
    release: (id) => {
      if (!closed) void race(remote.release(id)).catch(() => undefined);
    },
    size: () => race(remote.size()),
    close: async () => {
      if (closed) return;
      closed = true;
      end(new Error('the grammar thread was closed'));
      remote[Comlink.releaseProxy]();
      await terminate();
    },
  };
  return { start: (setup) => race(remote.start(setup)), link, fail };
}

function browserLink(): Starting {
  const worker = new Worker(new URL('./grammar-worker.ts', import.meta.url), { type: 'module', name: 'grammar' });
  const starting = remoteLink(Comlink.wrap<GrammarEndpoint>(worker), () => worker.terminate());
  worker.addEventListener('error', (event) => starting.fail(new Error(event.message || 'the grammar worker failed')));
  return starting;
}

/** Hidden from bundlers: browser builds never reference Node's modules. */
async function importNode<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

/** A worker thread running grammar-worker.ts through tsx's loader; undefined when this is not the TypeScript source. */
async function nodeLink(): Promise<Starting | undefined> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return undefined;
  const { Worker: NodeWorker } = await importNode<typeof import('node:worker_threads')>('node:worker_threads');
  const { createRequire } = await importNode<typeof import('node:module')>('node:module');
  const { pathToFileURL } = await importNode<typeof import('node:url')>('node:url');
  const { readFileSync } = await importNode<typeof import('node:fs')>('node:fs');
  const { default: nodeEndpoint } = await importNode<{ default: NodeEndpointFactory }>('comlink/dist/esm/node-adapter.mjs');
  let loader: string;
  try {
    const packageFile = createRequire(here).resolve('tsx/package.json');
    const exports = (JSON.parse(readFileSync(packageFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
    loader = new URL(exports['./esm/api']!.import.default, pathToFileURL(packageFile)).href;
  } catch {
    return undefined;
  }
  const entry = new URL('./grammar-worker.ts', here).href;
  // The worker registers tsx's loader before importing the TypeScript entry (Node 20 applies a
  // worker's --import hooks only after its main module is resolved).
  const code = `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new NodeWorker(code, { eval: true, name: 'grammar' });
  // The engine's process may exit while the grammar thread idles.
  worker.unref();
  const starting = remoteLink(Comlink.wrap<GrammarEndpoint>(nodeEndpoint(worker)), () => worker.terminate());
  worker.on('error', (error) => starting.fail(error));
  worker.on('exit', () => starting.fail(new Error('the grammar thread exited')));
  return starting;
}

/** The grammar service in this thread (the fallback of spawnGrammarLink). */
export async function spawnInThread(setup: GrammarSetup): Promise<GrammarLink> {
  const starting = inThreadLink();
  const started = await starting.start(setup);
  if (!('value' in started)) throw new GrammarStartError(`XGrammar could not start: ${started.error.message}`);
  return starting.link;
}

/** The service in this thread; after a failure its wasm is discarded, so the next start loads a fresh one. */
function inThreadLink(): Starting {
  const service = new GrammarService();
  let closed = false;
  const wrap = async <T>(fn: () => T): Promise<Outcome<T>> => {
    // Like a worker that is gone: calls after close fail, and the thread starts another runtime.
    if (closed) throw new Error('the grammar runtime was closed');
    const result = outcome(fn, service);
    if (service.isDead) discardXGrammar();
    return result;
  };
  const link: GrammarLink = {
    compile: (spec) => wrap(() => service.compile(spec)),
    resume: (spec, tokens) => wrap(() => service.resume(spec, tokens)),
    advance: (id, token) => wrap(() => service.advance(id, token)),
    release: (id) => service.release(id),
    size: async () => service.size,
    close: async () => {
      closed = true;
      service.dispose();
    },
  };
  const start = async (setup: GrammarSetup): Promise<Outcome<true>> => {
    try {
      await service.start(setup);
      return { value: true };
    } catch (error) {
      return outcome(() => { throw error; }, service);
    }
  };
  return { start, link };
}
