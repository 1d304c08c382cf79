/** e2e worker: hosts the engine exactly as an app would. */
import { hostEngine } from '../../../src/worker/chat-host.ts';

hostEngine();
