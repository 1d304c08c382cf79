/**
 * An OpenAI-compatible HTTP server over an engine (Node only), as vLLM's `vllm serve` answers:
 * `/v1/chat/completions`, `/v1/completions`, `/v1/responses`, `/v1/models` through the engine's own fetch handler
 * (JSON or SSE, OpenAI-shaped errors), `/health`, and `/metrics` for Prometheus. The bearer key
 * guards `/v1` only; `close(graceMs)` drains in-flight requests before aborting the rest.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LlmEngine } from '../api/llm-engine.ts';
import { describeError } from '../api/openai-fetch.ts';
import { bearerKeyCheck } from './api-key.ts';
import { corsPolicy } from './cors.ts';
import { abortOnDisconnect, BodyTooLargeError, readBody, sendResponse, toWebRequest } from './node-http-bridge.ts';
import { HttpRequestCounts, METRICS_CONTENT_TYPE, renderMetrics } from './prometheus-metrics.ts';

export interface OpenAIServerOptions {
  /** Default 127.0.0.1: loopback only, as nothing else should reach an unguarded model by accident. */
  readonly host?: string;
  /** Default 8000; 0 picks a free port (read it from `url`). */
  readonly port?: number;
  /** Bearer key for the /v1 routes; none: they are open. */
  readonly apiKey?: string;
  /** `*`, an origin, or a comma-separated list; none: no CORS headers at all. */
  readonly corsOrigin?: string;
  /** Larger request bodies get 413; default 8 MiB. */
  readonly maxBodyBytes?: number;
  /** The `model_name` label on /metrics; default the first id of models.list(). */
  readonly modelName?: string;
}

export interface OpenAIServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  /**
   * Stops accepting, waits up to `graceMs` (default 10 s) for in-flight requests, aborts the rest
   * and resolves when every connection is closed. A second call ends the grace at once. The
   * engine stays the caller's to dispose.
   */
  close(graceMs?: number): Promise<void>;
}

export type ServedEngine = Pick<LlmEngine, 'fetch' | 'stats' | 'models'>;

const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
/** After the grace, how long aborted requests get to end their responses before sockets are cut. */
const ABORT_SETTLE_MS = 2_000;

/** The methods each /v1 route takes; every other path but /health and /metrics is a 404. */
const apiRoutes: Readonly<Record<string, string>> = {
  '/v1/chat/completions': 'POST', '/v1/completions': 'POST', '/v1/responses': 'POST', '/v1/responses/{id}': 'GET', '/v1/models': 'GET',
};

/** The route a path belongs to: a stored response's id is a parameter, never part of the metrics label. */
function routeOf(path: string): string {
  if (apiRoutes[path] !== undefined || path === '/health' || path === '/metrics') return path;
  return /^\/v1\/responses\/[^/]+$/.test(path) ? '/v1/responses/{id}' : 'other';
}

function sendError(res: ServerResponse, status: number, message: string, code: string | null = null): void {
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  const body = JSON.stringify({ error: { message, type, param: null, code } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

export async function startOpenAIServer(engine: ServedEngine, options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const { host = '127.0.0.1', port = 8000, apiKey, corsOrigin, maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = options;
  const modelName = options.modelName ?? (await engine.models.list()).data[0]?.id ?? 'unknown';
  const authorized = apiKey === undefined ? () => true : bearerKeyCheck(apiKey);
  const cors = corsOrigin === undefined ? undefined : corsPolicy(corsOrigin);
  const http = new HttpRequestCounts();
  // Each in-flight /v1 request's controller: the shutdown aborts what the grace did not see end.
  const active = new Set<AbortController>();
  let idleWaiters: Array<() => void> = [];
  const idle = () => (active.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)));
  let closing: Promise<void> | undefined;

  async function serveApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendError(res, 401, 'Incorrect or missing API key: send it as `Authorization: Bearer <key>`.', 'invalid_api_key');
      return;
    }
    const controller = new AbortController();
    abortOnDisconnect(res, controller);
    active.add(controller);
    try {
      const body = req.method === 'POST' ? await readBody(req, maxBodyBytes) : undefined;
      await sendResponse(res, await engine.fetch(toWebRequest(req, body, controller.signal)));
    } catch (error) {
      if (res.headersSent || res.destroyed) res.destroy();
      else if (error instanceof BodyTooLargeError) {
        // The rest of the body is not read: the connection goes once the 413 is out.
        res.setHeader('connection', 'close');
        sendError(res, 413, error.message);
      } else if (controller.signal.aborted) sendError(res, 503, 'the server is shutting down');
      else {
        const { status, error: body } = describeError(error);
        sendError(res, status, body.message, body.code);
      }
    } finally {
      active.delete(controller);
      if (active.size === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        waiters.forEach((resolve) => resolve());
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const route = routeOf(path);
    // 499 (nginx's "client closed request"): the client left before any status went out.
    res.once('close', () => http.add(route, res.headersSent ? res.statusCode : 499));
    if (cors !== undefined) {
      const headers = method === 'OPTIONS' ? cors.preflightHeaders(req) : cors.responseHeaders(req.headers.origin);
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    }
    if (closing !== undefined) {
      res.setHeader('connection', 'close');
      return sendError(res, 503, 'the server is shutting down');
    }
    if (method === 'OPTIONS' && cors !== undefined) return void res.writeHead(204).end();
    if (route === 'other') return sendError(res, 404, `Invalid URL (${method} ${path})`);
    const allowed = apiRoutes[route] ?? 'GET';
    if (method !== allowed) {
      res.setHeader('allow', allowed);
      return sendError(res, 405, `Method Not Allowed (${method} ${path})`);
    }
    if (route === '/health' || route === '/metrics') {
      let stats;
      try {
        stats = await engine.stats();
      } catch (error) {
        return sendError(res, 503, `the engine is not available: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (route === '/health') return void res.writeHead(200, { 'content-length': 0 }).end();
      return void res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(renderMetrics({ stats, http, modelName }));
    }
    await serveApi(req, res);
  }

  // noDelay: each SSE event leaves as its own packet instead of waiting on Nagle's algorithm.
  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, 500, error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let cutShort = () => {};
  const close = (graceMs = 10_000): Promise<void> => {
    if (closing !== undefined) {
      cutShort();
      return closing;
    }
    closing = (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = new Promise<void>((resolve) => (cutShort = resolve));
      // Unref'd timers: only the open server keeps the process alive.
      await Promise.race([idle(), sleep(graceMs, undefined, { ref: false }), cut]);
      for (const controller of active) controller.abort(new Error('the server is shutting down'));
      await Promise.race([idle(), sleep(ABORT_SETTLE_MS, undefined, { ref: false })]);
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  };
  return { url, close };
}
