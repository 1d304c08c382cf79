/**
 * abortOnDisconnect: a client gone before the handler ran (its socket already destroyed, the
 * close event already past) aborts at once; a live one aborts when the response closes unfinished,
 * and not after the response was written in full.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { abortOnDisconnect } from '../../src/server/node-http-bridge.ts';

function response(socket: { destroyed: boolean } | null, writableFinished = false): ServerResponse & EventEmitter {
  return Object.assign(new EventEmitter(), { socket, writableFinished }) as unknown as ServerResponse & EventEmitter;
}

describe('abortOnDisconnect', () => {
  it('aborts at once when the socket is already gone', () => {
    for (const socket of [{ destroyed: true }, null]) {
      const controller = new AbortController();
      abortOnDisconnect(response(socket), controller);
      expect(controller.signal.aborted).toBe(true);
    }
  });

  it('aborts when the response closes before it was written in full, not after', () => {
    const open = new AbortController();
    const early = response({ destroyed: false });
    abortOnDisconnect(early, open);
    expect(open.signal.aborted).toBe(false);
    early.emit('close');
    expect(open.signal.aborted).toBe(true);

    const done = new AbortController();
    const finished = response({ destroyed: false }, true);
    abortOnDisconnect(finished, done);
    finished.emit('close');
    expect(done.signal.aborted).toBe(false);
  });
});
