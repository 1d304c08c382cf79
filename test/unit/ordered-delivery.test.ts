/**
 * The one helper every worker host posts through: posts do not wait for the callback, and
 * delivered() resolves only after the last post reached it, even when the callback is slow or fails.
 */
import { describe, expect, it } from 'vitest';
import { orderedDelivery } from '../../src/worker/ordered-delivery.ts';

describe('orderedDelivery', () => {
  it('posts without waiting, and delivered() waits for the last one', async () => {
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const delivery = orderedDelivery(async (n: number) => {
      if (n === 3) await gate;
      seen.push(n);
    });
    for (const n of [1, 2, 3]) delivery.post!(n); // returns at once, though 3 is held
    let done = false;
    const settled = delivery.delivered().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(done).toBe(false);
    expect(seen).toEqual([1, 2]);
    release();
    await settled;
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a failing callback still counts as delivered, and no callback means nothing to post', async () => {
    const failing = orderedDelivery(() => Promise.reject(new Error('page gone')));
    failing.post!();
    await expect(failing.delivered()).resolves.toBeUndefined();
    const none = orderedDelivery(undefined);
    expect(none.post).toBeUndefined();
    await expect(none.delivered()).resolves.toBeUndefined();
  });
});
