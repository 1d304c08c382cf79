/**
 * One writer per KV pool. Each Engine hands out its model's K and V blocks from a BlockManager of
 * its own, so two Engines stepping one model at once would give the same physical block to two
 * sequences. The lease makes the pool one Engine's at a time: an Engine holds it while it has
 * work and hands it back when it has none; another Engine on the same model waits its turn (first
 * come, first served). An Engine that gets the pool back after another one held it must drop its
 * prefix cache: those blocks may now hold the other Engine's K and V.
 */
import type { KvCache } from '../model/kv-cache.ts';

const leases = new WeakMap<KvCache, KvPoolLease>();

export class KvPoolLease {
  private holder: object | undefined;
  /** Who held the pool last (or holds it now): an earlier holder's cached blocks are stale. */
  private lastHolder: object | undefined;
  private readonly queue: { readonly holder: object; readonly resolve: () => void }[] = [];

  /** The one lease of this pool, whoever asks. */
  static of(pool: KvCache): KvPoolLease {
    let lease = leases.get(pool);
    if (lease === undefined) leases.set(pool, (lease = new KvPoolLease()));
    return lease;
  }

  holds(holder: object): boolean {
    return this.holder === holder;
  }

  /**
   * Resolves once `holder` holds the pool, with true when another holder had it since `holder`
   * last did (so `holder`'s cached blocks may have been overwritten).
   */
  async acquire(holder: object): Promise<boolean> {
    if (this.holder === holder) return false;
    if (this.holder === undefined && this.queue.length === 0) this.holder = holder;
    else await new Promise<void>((resolve) => this.queue.push({ holder, resolve }));
    const stale = this.lastHolder !== undefined && this.lastHolder !== holder;
    this.lastHolder = holder;
    return stale;
  }

  /** Hands the pool to the next in line (a no-op unless `holder` holds it). */
  release(holder: object): void {
    if (this.holder !== holder) return;
    const next = this.queue.shift();
    this.holder = next?.holder;
    next?.resolve();
  }
}
