/**
 * KV block bookkeeping (no GPU): a fixed pool of blocks, reference counts, per-sequence block
 * tables and automatic prefix caching (design.md, "Scheduler and KV cache").
 *
 * - Free blocks wait in an LRU queue: a block whose last owner let go goes to the back and keeps
 *   its cached contents; new blocks are taken from the front, evicting what was cached there.
 * - Only full blocks whose tokens have all been computed are cached, keyed by a hash chaining the
 *   parent's key and the block's token ids; a new sequence reuses the longest cached chain.
 * - The last prompt token is never served from the cache: it must run to produce logits.
 * - Check-then-act: `canAllocate`/`allocate` admit a sequence, `canAppend`/`append` grow one.
 */
import { chainBlockKey, type BlockKey } from './block-hash.ts';

/** What the block manager needs from a sequence. */
export interface BlockOwner {
  /** Physical block ids, in order. */
  readonly blockTable: number[];
  /** Keys of the leading blocks that are full, computed and registered in the cache. */
  readonly blockKeys: BlockKey[];
}

export interface CachedPrefix {
  readonly blocks: readonly number[];
  readonly keys: readonly BlockKey[];
  /** Tokens these blocks cover (blocks · blockSize). */
  readonly numTokens: number;
}

export interface BlockManagerOptions {
  readonly numBlocks: number;
  readonly blockSize: number;
  readonly enablePrefixCaching: boolean;
}

interface Block {
  refCount: number;
  key: BlockKey | undefined;
  /** The token ids a cached block holds, compared on lookup so a hash collision cannot alias. */
  tokens: readonly number[] | undefined;
}

const noPrefix: CachedPrefix = { blocks: [], keys: [], numTokens: 0 };

export class BlockManager {
  readonly numBlocks: number;
  readonly blockSize: number;
  readonly enablePrefixCaching: boolean;
  private readonly blocks: Block[];
  /** Blocks with no owner, least recently freed first (a Set iterates in insertion order). */
  private readonly freeQueue = new Set<number>();
  private readonly cached = new Map<BlockKey, number>();

  constructor(options: BlockManagerOptions) {
    if (!Number.isInteger(options.numBlocks) || options.numBlocks < 1) throw new RangeError(`numBlocks must be a positive integer, got ${options.numBlocks}`);
    if (!Number.isInteger(options.blockSize) || options.blockSize < 1) throw new RangeError(`blockSize must be a positive integer, got ${options.blockSize}`);
    this.numBlocks = options.numBlocks;
    this.blockSize = options.blockSize;
    this.enablePrefixCaching = options.enablePrefixCaching;
    this.blocks = Array.from({ length: this.numBlocks }, () => ({ refCount: 0, key: undefined, tokens: undefined }));
    for (let id = 0; id < this.numBlocks; id++) this.freeQueue.add(id);
  }

  /** Blocks no sequence holds (cached ones among them can still be reused until evicted). */
  get numFreeBlocks(): number {
    return this.freeQueue.size;
  }

  get numCachedBlocks(): number {
    return this.cached.size;
  }

  blocksFor(numTokens: number): number {
    return Math.ceil(numTokens / this.blockSize);
  }

  /** The longest chain of cached full blocks starting `tokens`, never covering its last token. */
  cachedPrefix(tokens: readonly number[]): CachedPrefix {
    if (!this.enablePrefixCaching) return noPrefix;
    const blocks: number[] = [];
    const keys: BlockKey[] = [];
    const maxBlocks = Math.floor((tokens.length - 1) / this.blockSize);
    let parent: BlockKey | undefined;
    for (let i = 0; i < maxBlocks; i++) {
      const blockTokens = tokens.slice(i * this.blockSize, (i + 1) * this.blockSize);
      const key = chainBlockKey(parent, blockTokens);
      const id = this.cached.get(key);
      if (id === undefined || !sameTokens(this.blocks[id]!.tokens, blockTokens)) break;
      blocks.push(id);
      keys.push(key);
      parent = key;
    }
    return { blocks, keys, numTokens: blocks.length * this.blockSize };
  }

  /** Whether a sequence with no blocks yet can hold `numTokens` tokens, reusing `prefix`. */
  canAllocate(numTokens: number, prefix: CachedPrefix = noPrefix): boolean {
    const fresh = this.blocksFor(numTokens) - prefix.blocks.length;
    // Reusing a cached block that has no owner takes it off the free queue too.
    const idleCached = prefix.blocks.filter((id) => this.blocks[id]!.refCount === 0).length;
    return fresh <= this.numFreeBlocks - idleCached;
  }

  /** Gives an empty sequence the prefix's blocks plus fresh ones for `numTokens` tokens. */
  allocate(owner: BlockOwner, numTokens: number, prefix: CachedPrefix = noPrefix): void {
    if (owner.blockTable.length > 0) throw new Error('allocate: the sequence already has blocks');
    if (!this.canAllocate(numTokens, prefix)) throw new Error(`allocate: ${numTokens} tokens do not fit in ${this.numFreeBlocks} free blocks`);
    for (const id of prefix.blocks) this.take(id);
    owner.blockTable.push(...prefix.blocks);
    owner.blockKeys.push(...prefix.keys);
    this.grow(owner, numTokens);
  }

  /** Whether a sequence can grow to hold `numTokens` tokens in all. */
  canAppend(owner: BlockOwner, numTokens: number): boolean {
    return this.blocksFor(numTokens) - owner.blockTable.length <= this.numFreeBlocks;
  }

  append(owner: BlockOwner, numTokens: number): void {
    if (!this.canAppend(owner, numTokens)) throw new Error(`append: ${numTokens} tokens do not fit in ${this.numFreeBlocks} free blocks`);
    this.grow(owner, numTokens);
  }

  /**
   * Registers the sequence's blocks that `numComputedTokens` has filled; `tokens` are all the
   * sequence's known tokens. Blocks already registered are skipped.
   */
  cacheFullBlocks(owner: BlockOwner, tokens: readonly number[], numComputedTokens: number): void {
    if (!this.enablePrefixCaching) return;
    const full = Math.min(Math.floor(numComputedTokens / this.blockSize), owner.blockTable.length);
    for (let i = owner.blockKeys.length; i < full; i++) {
      const blockTokens = tokens.slice(i * this.blockSize, (i + 1) * this.blockSize);
      const key = chainBlockKey(owner.blockKeys[i - 1], blockTokens);
      owner.blockKeys.push(key);
      // Another sequence may have computed the same block at the same time; the first stays cached.
      if (this.cached.has(key)) continue;
      const block = this.blocks[owner.blockTable[i]!]!;
      block.key = key;
      block.tokens = blockTokens;
      this.cached.set(key, owner.blockTable[i]!);
    }
  }

  /** Releases all of a sequence's blocks; tail blocks are freed first so they are evicted first. */
  free(owner: BlockOwner): void {
    for (let i = owner.blockTable.length - 1; i >= 0; i--) {
      const id = owner.blockTable[i]!;
      const block = this.blocks[id]!;
      if (block.refCount <= 0) throw new Error(`free: block ${id} has no owner`);
      block.refCount--;
      if (block.refCount === 0) this.freeQueue.add(id);
    }
    owner.blockTable.length = 0;
    owner.blockKeys.length = 0;
  }

  /** Drops every cached block that no sequence holds (e.g. after the weights changed). */
  resetPrefixCache(): void {
    for (const id of this.freeQueue) this.evict(id);
  }

  private grow(owner: BlockOwner, numTokens: number): void {
    while (owner.blockTable.length < this.blocksFor(numTokens)) {
      const id = this.freeQueue.values().next().value;
      if (id === undefined) throw new Error('grow: no free block');
      this.evict(id);
      this.take(id);
      owner.blockTable.push(id);
    }
  }

  private take(id: number): void {
    const block = this.blocks[id]!;
    if (block.refCount === 0) this.freeQueue.delete(id);
    block.refCount++;
  }

  private evict(id: number): void {
    const block = this.blocks[id]!;
    if (block.key !== undefined && this.cached.get(block.key) === id) this.cached.delete(block.key);
    block.key = undefined;
    block.tokens = undefined;
  }
}

function sameTokens(stored: readonly number[] | undefined, tokens: readonly number[]): boolean {
  return stored !== undefined && stored.length === tokens.length && stored.every((id, i) => id === tokens[i]);
}
