/**
 * `createEngine(options)`: loads a model and returns an LlmEngine. In a browser the engine runs
 * in a Web Worker, so the page never blocks on the GPU; in Node (CLI, tests) it runs in-process.
 */
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../engine/worker-errors.ts';
import { ChatHost, type ChatLoadOptions } from './chat-host.ts';
import { LlmEngine, type BackendLink } from './llm-engine.ts';

export interface CreateEngineOptions extends ChatLoadOptions {
  /** The model folder: a URL, or in Node a local path. */
  readonly model: string;
  /** A Worker running `hostChatEngine()`, `true` for the built-in one, `false` for in-process. Default: a worker where there are Workers. */
  readonly worker?: Worker | boolean;
}

export async function createEngine(options: CreateEngineOptions): Promise<LlmEngine> {
  const { model, worker = typeof Worker !== 'undefined', ...loadOptions } = options;
  const link = worker === false ? localLink() : workerLink(worker === true ? new Worker(new URL('./chat-worker.ts', import.meta.url), { type: 'module', name: 'llm-engine' }) : worker);
  try {
    const info = await link.backend.load(model, loadOptions);
    return new LlmEngine(link, info);
  } catch (error) {
    link.close?.();
    throw error;
  }
}

type LoadableLink = BackendLink & { readonly backend: BackendLink['backend'] & Pick<ChatHost, 'load'> };

function localLink(): LoadableLink {
  return { backend: new ChatHost(), callback: (fn) => fn };
}

function workerLink(worker: Worker): LoadableLink {
  installErrorTransfer();
  const remote = Comlink.wrap<ChatHost>(worker);
  return {
    backend: remote as unknown as LoadableLink['backend'],
    callback: (fn) => Comlink.proxy(fn),
    close: () => {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
