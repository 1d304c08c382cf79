/**
 * A local stand-in for the Hugging Face Hub: serves model folders under
 * `/<owner>/<name>/resolve/main/<file>` as huggingface.co does (HEAD, GET, single Range requests
 * answered 206 with Content-Range, CORS for pages on another origin), counts every request, and
 * can damage a file's transfer:
 *   'cut'   — a full GET announces the real Content-Length but the connection drops halfway;
 *   'short' — the file is served as if it were only its first half (a consistent, truncated file).
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';

export type Fault = 'cut' | 'short';

export interface HubRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | undefined;
}

export interface HubServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash): pass as `hubUrl`. */
  readonly url: string;
  readonly requests: HubRequest[];
  /** `owner/name` → folder on disk. */
  readonly repos: Map<string, string>;
  /** `owner/name/file` → how its transfer is damaged. */
  readonly faults: Map<string, Fault>;
  close(): Promise<void>;
}

const cors = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'range',
  'access-control-expose-headers': 'content-length, content-range, etag',
};

export async function startHubServer(repos: Record<string, string>): Promise<HubServer> {
  const requests: HubRequest[] = [];
  const state = { repos: new Map(Object.entries(repos)), faults: new Map<string, Fault>() };
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://hub').pathname);
    requests.push({ method: request.method ?? 'GET', path, range: request.headers.range });
    serve(request, response, path, state).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, cors).end(String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('hub server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    ...state,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  state: { repos: Map<string, string>; faults: Map<string, Fault> },
): Promise<void> {
  if (request.method === 'OPTIONS') {
    response.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, HEAD' }).end();
    return;
  }
  const match = /^\/([^/]+\/[^/]+)\/resolve\/main\/([^/]+)$/.exec(path);
  const folder = match === null ? undefined : state.repos.get(match[1]!);
  const file = folder === undefined || match === null ? undefined : join(folder, match[2]!);
  const size = file === undefined ? undefined : await stat(file).then((info) => (info.isFile() ? info.size : undefined), () => undefined);
  if (file === undefined || size === undefined || match === null) {
    // The Hub answers 404 "Entry not found" for a missing file of an existing repository.
    response.writeHead(404, { ...cors, 'content-type': 'text/plain' }).end('Entry not found');
    return;
  }
  const fault = state.faults.get(`${match[1]}/${match[2]}`);
  const bytes = await readFile(file);
  const body = fault === 'short' ? bytes.subarray(0, Math.floor(size / 2)) : bytes;
  const headers = { ...cors, 'content-type': /\.json$/.test(file) ? 'application/json' : 'application/octet-stream', 'accept-ranges': 'bytes' };
  const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
  if (range !== null && request.method === 'GET') {
    const start = Number(range[1]);
    const end = Math.min(range[2] === '' ? body.byteLength - 1 : Number(range[2]), body.byteLength - 1);
    if (start >= body.byteLength) {
      response.writeHead(416, { ...headers, 'content-range': `bytes */${body.byteLength}` }).end();
      return;
    }
    response.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${body.byteLength}` });
    response.end(body.subarray(start, end + 1));
    return;
  }
  response.writeHead(200, { ...headers, 'content-length': body.byteLength });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  if (fault === 'cut') {
    // Half the bytes, then the connection drops: the client sees fewer bytes than announced.
    response.write(body.subarray(0, Math.floor(body.byteLength / 2)), () => setTimeout(() => response.destroy(), 20));
    return;
  }
  response.end(body);
}
