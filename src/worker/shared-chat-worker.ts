/** The SharedWorker `createEngine({ shared: true })` starts: one engine for every tab that connects. */
import * as Comlink from 'comlink';
import { installErrorTransfer } from './worker-errors.ts';
import { SharedEngine } from './shared-chat-host.ts';

installErrorTransfer();
const engine = new SharedEngine();
(globalThis as unknown as { onconnect: (event: MessageEvent) => void }).onconnect = (event) => {
  const port = event.ports[0];
  if (port !== undefined) Comlink.expose(engine.session(), port);
};
