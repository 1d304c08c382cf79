/** BlockManager bookkeeping: reference counts, LRU free queue and automatic prefix caching. */
import { describe, expect, it } from 'vitest';
import { BlockManager, type BlockOwner } from '../../src/engine/block-manager.ts';

const owner = (): BlockOwner => ({ blockTable: [], blockKeys: [] });
const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);

/** Allocates a sequence for `tokens` (reusing the cache) and registers its computed full blocks. */
function admit(manager: BlockManager, tokens: number[]): BlockOwner {
  const seq = owner();
  const prefix = manager.cachedPrefix(tokens);
  manager.allocate(seq, tokens.length, prefix);
  manager.cacheFullBlocks(seq, tokens, tokens.length);
  return seq;
}

describe('BlockManager', () => {
  it('allocates ceil(tokens / blockSize) blocks, refuses what does not fit, and frees everything', () => {
    const manager = new BlockManager({ numBlocks: 10, blockSize: 16, enablePrefixCaching: false });
    const a = owner();
    expect(manager.canAllocate(33)).toBe(true);
    manager.allocate(a, 33);
    expect(a.blockTable).toHaveLength(3);
    expect(manager.numFreeBlocks).toBe(7);
    expect(manager.canAllocate(7 * 16 + 1)).toBe(false);
    expect(() => manager.allocate(owner(), 7 * 16 + 1)).toThrow(/do not fit/);
    expect(manager.numFreeBlocks).toBe(7);
    expect(manager.canAppend(a, 48)).toBe(true);
    manager.append(a, 48);
    expect(a.blockTable).toHaveLength(3);
    manager.append(a, 49);
    expect(a.blockTable).toHaveLength(4);
    expect(new Set(a.blockTable).size).toBe(4);
    expect(manager.canAppend(a, 10 * 16 + 1)).toBe(false);
    manager.free(a);
    expect(a.blockTable).toHaveLength(0);
    expect(manager.numFreeBlocks).toBe(10);
    expect(() => manager.free({ blockTable: [3], blockKeys: [] })).toThrow(/no owner/);
  });

  it('reuses the cached full blocks of a shared prefix and shares them by reference count', () => {
    const manager = new BlockManager({ numBlocks: 20, blockSize: 16, enablePrefixCaching: true });
    const shared = range(100, 40);
    const a = admit(manager, [...shared, 1, 2, 3]);
    const prefix = manager.cachedPrefix([...shared, 7, 8]);
    // 42 tokens: the first two full blocks (32 tokens) match; the third differs at token 40.
    expect(prefix.numTokens).toBe(32);
    expect(prefix.blocks).toEqual(a.blockTable.slice(0, 2));
    const b = owner();
    manager.allocate(b, 42, prefix);
    expect(b.blockTable.slice(0, 2)).toEqual(a.blockTable.slice(0, 2));
    expect(b.blockTable[2]).not.toBe(a.blockTable[2]);
    expect(manager.numFreeBlocks).toBe(20 - 3 - 1);
    manager.free(a);
    // The shared blocks are still held by b; only a's own third block is free.
    expect(manager.numFreeBlocks).toBe(20 - 3);
    manager.free(b);
    expect(manager.numFreeBlocks).toBe(20);
  });

  it('never serves the last prompt token from the cache, and caches only full blocks', () => {
    const manager = new BlockManager({ numBlocks: 8, blockSize: 16, enablePrefixCaching: true });
    const tokens = range(0, 32);
    admit(manager, [...tokens, 5]);
    expect(manager.cachedPrefix(tokens).numTokens).toBe(16);
    expect(manager.cachedPrefix([...tokens, 9]).numTokens).toBe(32);
    const partial = owner();
    manager.allocate(partial, 40);
    manager.cacheFullBlocks(partial, range(500, 40), 40);
    expect(manager.cachedPrefix(range(500, 41)).numTokens).toBe(32);
  });

  it('a freed cached block is reusable until it is evicted, least recently freed first', () => {
    const manager = new BlockManager({ numBlocks: 6, blockSize: 4, enablePrefixCaching: true });
    const first = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const second = [11, 12, 13, 14, 15, 16, 17, 18, 19];
    const a = admit(manager, first);
    manager.free(a);
    const b = admit(manager, second);
    manager.free(b);
    expect(manager.cachedPrefix(first).numTokens).toBe(8);
    expect(manager.cachedPrefix(second).numTokens).toBe(8);
    // Two fresh blocks come from the front of the queue, which holds `first`'s blocks: a's
    // blocks were freed before b's, and tail blocks go first within a sequence.
    const c = owner();
    manager.allocate(c, 8);
    expect(manager.cachedPrefix(second).numTokens).toBe(8);
    expect(manager.cachedPrefix(first).numTokens).toBeLessThan(8);
    manager.free(c);
    manager.resetPrefixCache();
    expect(manager.cachedPrefix(second).numTokens).toBe(0);
  });

  it('counts an idle cached block it reuses against the free blocks', () => {
    const manager = new BlockManager({ numBlocks: 3, blockSize: 4, enablePrefixCaching: true });
    const tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    manager.free(admit(manager, tokens));
    const prefix = manager.cachedPrefix(tokens);
    expect(prefix.blocks).toHaveLength(2);
    // 3 blocks needed, 2 of them cached-but-idle: exactly the 3 free blocks.
    expect(manager.canAllocate(9, prefix)).toBe(true);
    expect(manager.canAllocate(13, prefix)).toBe(false);
  });

  it('finds nothing when prefix caching is off', () => {
    const manager = new BlockManager({ numBlocks: 8, blockSize: 4, enablePrefixCaching: false });
    const tokens = range(0, 20);
    admit(manager, tokens);
    expect(manager.cachedPrefix(tokens).numTokens).toBe(0);
    expect(manager.numCachedBlocks).toBe(0);
  });
});
