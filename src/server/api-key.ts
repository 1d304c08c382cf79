/**
 * The bearer key on /v1 routes (vLLM's --api-key): `Authorization: Bearer <key>`, compared in
 * constant time so response timing tells nothing about how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Digests have one length whatever the key's, so timingSafeEqual never leaks the length either. */
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function bearerKeyCheck(key: string): (authorization: string | undefined) => boolean {
  const expected = digest(key);
  return (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
    // Still hash something when no key came, so both paths cost the same.
    return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
  };
}
