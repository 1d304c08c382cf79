/** The Web Worker `createEngine` starts: it hosts the engine and the chat layer. */
import { hostChatEngine } from './chat-host.ts';

hostChatEngine();
