/**
 * The page's side of `createEngine({ shared: true })`: connects to the origin's SharedWorker
 * (shared-chat-worker.ts), where one engine per model serves every tab. The tab holds a Web Lock
 * for its lifetime and names it to the worker, which queues for the same lock and so learns the
 * moment the tab is gone (a MessagePort has no close event), then aborts the tab's requests.
 */
import * as Comlink from 'comlink';
import { LlmError } from '../errors.ts';
import { installErrorTransfer } from '../worker/worker-errors.ts';
import type { ChatHost } from '../worker/chat-host.ts';
import type { BackendLink } from './llm-engine.ts';
import type { TabSession } from '../worker/shared-chat-host.ts';

export type SharedLink = BackendLink & { readonly backend: BackendLink['backend'] & Pick<ChatHost, 'load'> };

export async function sharedWorkerLink(): Promise<SharedLink> {
  if (typeof SharedWorker === 'undefined') {
    throw new LlmError('unsupported_option', 'shared: true needs SharedWorker, which this browser does not have (Chrome on Android, for one); use a Web Worker (the default)', 'shared');
  }
  installErrorTransfer();
  const worker = new SharedWorker(new URL('../worker/shared-chat-worker.ts', import.meta.url), { type: 'module', name: 'llm-engine' });
  const session = Comlink.wrap<TabSession>(worker.port);
  const release = await holdTabLock(session);
  return {
    backend: session,
    callback: (fn) => Comlink.proxy(fn),
    close: () => {
      release();
      session[Comlink.releaseProxy]();
      worker.port.close();
    },
  };
}

/** Takes a lock only this tab holds, then tells the worker its name; returns what lets it go. */
async function holdTabLock(session: Comlink.Remote<TabSession>): Promise<() => void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks === undefined) return () => undefined; // no way to learn of a closed tab: dispose() still aborts
  const name = `llm-engine-tab-${crypto.randomUUID()}`;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await new Promise<void>((granted) => {
    void locks.request(name, () => {
      granted();
      return held;
    });
  });
  await session.watch(name);
  return release;
}
