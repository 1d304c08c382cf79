/**
 * The page's side of an engine running in a Web Worker (the ChatHost that hostEngine() /
 * hostChatEngine() serves): the same calls as the in-process Engine, as promises. Output callbacks are passed as comlink proxies, so each step
 * posts one message per running request back to the page.
 */
import * as Comlink from 'comlink';
import type { ChatHost } from './chat-host.ts';
import type { LoadedInfo, WorkerLoadOptions } from './engine-worker.ts';
import type { ProgressListener } from '../model/load-progress.ts';
import type { EngineRequest, EngineStats, RequestOutput, RequestResult } from '../engine/engine-types.ts';
import { installErrorTransfer } from './worker-errors.ts';

export class EngineWorkerClient {
  private readonly remote: Comlink.Remote<ChatHost>;

  constructor(private readonly worker: Worker) {
    installErrorTransfer();
    this.remote = Comlink.wrap<ChatHost>(worker);
  }

  /** `onProgress` gets load-progress events (download, cache, upload), all before this resolves. */
  load(location: string, options: WorkerLoadOptions = {}, onProgress?: ProgressListener): Promise<LoadedInfo> {
    return this.remote.load(location, options, onProgress === undefined ? undefined : Comlink.proxy(onProgress));
  }

  submit(request: EngineRequest, onOutput?: (output: RequestOutput) => void): Promise<RequestResult> {
    return this.remote.submit(request, onOutput === undefined ? undefined : Comlink.proxy(onOutput));
  }

  abort(id: string): Promise<boolean> {
    return this.remote.abort(id);
  }

  stats(): Promise<EngineStats> {
    return this.remote.stats();
  }

  /** Releases the model's GPU memory and ends the worker. */
  async terminate(): Promise<void> {
    await this.remote.dispose();
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
  }
}
