/**
 * e2e worker: the runtime is meant to live in a Web Worker, so this runs the page's runFixture
 * there (its own device and model) for the fixture named in the message and posts the report.
 */
import { runFixture, type WorkerReply } from './generate.ts';

self.onmessage = async (event: MessageEvent<string>) => {
  let reply: WorkerReply;
  try {
    reply = { report: await runFixture(event.data, 'worker') };
  } catch (error) {
    reply = { error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) };
  }
  self.postMessage(reply);
};
