/**
 * CORS, only when the server is started with an origin (`--cors-origin`): `*`, one origin, or a
 * comma-separated list. Preflights are answered without the key, as browsers send none on them.
 */
import type { IncomingMessage } from 'node:http';

export interface CorsPolicy {
  /** Headers for an ordinary response to `origin` (empty when it is not allowed). */
  responseHeaders(origin: string | undefined): Record<string, string>;
  /** Headers for a preflight (OPTIONS) request. */
  preflightHeaders(req: IncomingMessage): Record<string, string>;
}

const allowedMethods = 'GET, POST, OPTIONS';
// The OpenAI SDKs add x-stainless-* headers: a preflight gets back what it asks for, plus these.
const baseHeaders = ['authorization', 'content-type'];

export function corsPolicy(allowed: string): CorsPolicy {
  const origins = allowed.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  const any = origins.includes('*');
  const responseHeaders = (origin: string | undefined): Record<string, string> => {
    if (any) return { 'access-control-allow-origin': '*' };
    if (origin === undefined || !origins.includes(origin)) return { vary: 'Origin' };
    return { 'access-control-allow-origin': origin, vary: 'Origin' };
  };
  return {
    responseHeaders,
    preflightHeaders(req) {
      const requested = String(req.headers['access-control-request-headers'] ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name));
      return {
        ...responseHeaders(req.headers.origin),
        'access-control-allow-methods': allowedMethods,
        'access-control-allow-headers': [...new Set([...baseHeaders, ...requested])].join(', '),
        'access-control-max-age': '600',
      };
    },
  };
}
