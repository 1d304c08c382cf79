/** KvPoolLease: one holder of a KV pool at a time, first come first served, and stale caches named. */
import { describe, expect, it } from 'vitest';
import { KvPoolLease } from '../../src/engine/kv-pool-lease.ts';

describe('KvPoolLease', () => {
  it('grants the pool to one holder at a time, in the order asked, and says when another held it since', async () => {
    const lease = new KvPoolLease();
    const [a, b, c] = [{}, {}, {}];
    expect(await lease.acquire(a)).toBe(false);
    expect(await lease.acquire(a)).toBe(false);
    const granted: string[] = [];
    const forB = lease.acquire(b).then((stale) => granted.push(`b:${stale}`));
    const forC = lease.acquire(c).then((stale) => granted.push(`c:${stale}`));
    await Promise.resolve();
    expect(granted).toEqual([]);
    lease.release(b); // not the holder: nothing happens
    await Promise.resolve();
    expect(lease.holds(a)).toBe(true);
    lease.release(a);
    await forB;
    expect(lease.holds(b)).toBe(true);
    expect(granted).toEqual(['b:true']);
    lease.release(b);
    await forC;
    lease.release(c);
    expect(granted).toEqual(['b:true', 'c:true']);
    // c held it last: c's cache is intact, a's is not.
    expect(await lease.acquire(c)).toBe(false);
    lease.release(c);
    expect(await lease.acquire(a)).toBe(true);
  });
});
