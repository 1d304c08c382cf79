/**
 * `createEngine(options)`: loads a model and returns an LlmEngine. In a browser the engine runs
 * in a Web Worker, so the page never blocks on the GPU; in Node (CLI, tests) it runs in-process;
 * or, given a server's `baseURL`, it sends every request there.
 */
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../worker/worker-errors.ts';
import type { ProgressListener } from '../model/load-progress.ts';
import type { ChatHost, ChatLoadOptions } from '../worker/chat-host.ts';
import { LlmEngine, type BackendLink } from './llm-engine.ts';
import { createRemoteEngine, type RemoteEngineOptions } from './remote-backend.ts';
import { sharedWorkerLink } from './shared-worker-link.ts';

export interface CreateEngineOptions extends ChatLoadOptions {
  /**
   * A Hub id `owner/name` (fetched from `hubUrl`, at `revision`), a folder URL, or in Node a local
   * path; the rule is in src/hub/model-location.ts (write `./owner/name` for such a relative folder).
   */
  readonly model: string;
  /** Load progress: bytes per file and overall, phase, whether from Cache Storage (model/load-progress.ts). */
  readonly onProgress?: ProgressListener;
  /** A Worker running `hostChatEngine()`, `true` for the built-in one, `false` for in-process. Default: a worker where there are Workers. */
  readonly worker?: Worker | boolean;
  /**
   * One engine per model for every tab of this origin, in a SharedWorker: the model loads once,
   * requests from all tabs batch together, and a closed tab's requests are aborted.
   */
  readonly shared?: boolean;
}

/** With `baseURL`, no weights load: every request goes to that OpenAI-compatible server (remote-backend.ts). */
export async function createEngine(options: CreateEngineOptions | RemoteEngineOptions): Promise<LlmEngine> {
  if ('baseURL' in options) return createRemoteEngine(options);
  const { model, worker = typeof Worker !== 'undefined', shared = false, onProgress, ...loadOptions } = options;
  const link = shared ? await sharedWorkerLink()
    : worker === false ? await localLink()
      : workerLink(worker === true ? new Worker(new URL('../worker/chat-worker.ts', import.meta.url), { type: 'module', name: 'llm-engine' }) : worker);
  try {
    // A function cannot be cloned into the worker: it goes as its own (proxied) argument.
    const info = await link.backend.load(model, loadOptions, onProgress === undefined ? undefined : link.callback(onProgress));
    return new LlmEngine(link, info);
  } catch (error) {
    link.close?.();
    throw error;
  }
}

type LoadableLink = BackendLink & { readonly backend: BackendLink['backend'] & Pick<ChatHost, 'load'> };

/** Imported on demand, so a page bundle that uses the worker does not carry the engine twice. */
async function localLink(): Promise<LoadableLink> {
  const { ChatHost } = await import('../worker/chat-host.ts');
  return { backend: new ChatHost(), callback: (fn) => fn };
}

function workerLink(worker: Worker): LoadableLink {
  installErrorTransfer();
  const remote = Comlink.wrap<ChatHost>(worker);
  return {
    backend: remote,
    callback: (fn) => Comlink.proxy(fn),
    close: () => {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
