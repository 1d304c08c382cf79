/**
 * Node's `http` on one side, WHATWG fetch on the other: an IncomingMessage becomes a `Request`
 * whose signal fires when the client goes away, and a `Response` body is written back chunk by
 * chunk as the engine produces it (SSE events reach the client one by one, never buffered).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the request body is larger than ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The whole body, refused as soon as it passes `limitBytes` (by Content-Length or by counting). */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(new BodyTooLargeError(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.off('data', onData);
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * Aborts `controller` when the connection closes before the response was fully written: the
 * client left, so the engine can drop the request and free its KV blocks. (`req`'s own 'close'
 * fires once the body is read, so the response is the one to watch.)
 */
export function abortOnDisconnect(res: ServerResponse, controller: AbortController): void {
  const abort = () => controller.abort(new DOMException('the client closed the connection', 'AbortError'));
  // On a busy event loop the client can be gone before this request's handler runs: its close
  // event is past, so look at the socket itself.
  if (res.socket === null || res.socket.destroyed) {
    abort();
    return;
  }
  res.once('close', () => {
    if (!res.writableFinished) abort();
  });
}

export function toWebRequest(req: IncomingMessage, body: Buffer | undefined, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  // Only the path matters to the handler; the host header is the client's to choose.
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
  return new Request(url, { method, headers, signal, ...(hasBody ? { body: new Uint8Array(body) } : {}) });
}

/** Resolves once the body is written, or the client is gone (then the body is cancelled). */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.writeHead(response.status);
  if (response.body === null) {
    res.end();
    return;
  }
  // Headers go out now: a streaming client sees the 200 before the first token.
  res.flushHeaders();
  const reader = response.body.getReader();
  // Cancelling reaches the SSE source, which aborts the engine request.
  const onClose = () => void reader.cancel(new DOMException('the client closed the connection', 'AbortError')).catch(() => {});
  res.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      if (!res.write(value)) await drained(res);
    }
    if (!res.destroyed) res.end();
  } catch {
    // The body failed after the status went out (e.g. aborted at shutdown): all we can do is cut it.
    res.destroy();
  } finally {
    res.off('close', onClose);
  }
}

/** A slow reader holds the stream back here instead of the server buffering for it. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
