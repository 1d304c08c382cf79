/**
 * Paged-attention test cases: random keys and values for several sequences scattered over the
 * blocks of f16 K/V pools (as kv_write.wgsl packs them, through per-sequence block tables), query
 * rows at given positions, and the CPU reference output for those rows.
 */
import type { AttentionShape } from '../../src/gpu/kernels/attention-shape.ts';
import { float32BitsToFloat16Bits } from '../../src/model/safetensors.ts';
import { attentionRef, kvStoredRef } from './cpu-reference.ts';
import type { Random } from './random.ts';

export interface PagedKv {
  readonly shape: AttentionShape;
  /** Keys each sequence holds. */
  readonly lengths: readonly number[];
  /** Block-table width (blocks of the longest sequence, or more). */
  readonly maxBlocks: number;
  /** (sequences, maxBlocks) physical block ids, shuffled. */
  readonly blockTables: Uint32Array;
  /** Per sequence, [length, kvHeads, headDim] as f32 before the pools round them to f16. */
  readonly keys: readonly Float32Array[];
  readonly values: readonly Float32Array[];
  /** [blocks, kvHeads, blockSize, headDim] f16 bit patterns. */
  readonly kPool: Uint16Array;
  readonly vPool: Uint16Array;
}

export function randomPagedKv(random: Random, shape: AttentionShape, lengths: readonly number[], maxBlocks?: number): PagedKv {
  const { headDim, numKvHeads, blockSize } = shape;
  const blocksOf = (length: number) => Math.ceil(length / blockSize);
  const width = maxBlocks ?? Math.max(...lengths.map(blocksOf));
  const totalBlocks = lengths.reduce((sum, length) => sum + blocksOf(length), 0) + 2;
  const physical = shuffle(random, Array.from({ length: totalBlocks }, (_, i) => i));
  const blockTables = new Uint32Array(lengths.length * width);
  const keys = lengths.map((length) => random.floats(length * numKvHeads * headDim));
  const values = lengths.map((length) => random.floats(length * numKvHeads * headDim));
  const poolLength = totalBlocks * numKvHeads * blockSize * headDim;
  const kPool = new Float32Array(poolLength);
  const vPool = new Float32Array(poolLength);
  lengths.forEach((length, seq) => {
    for (let b = 0; b < blocksOf(length); b++) blockTables[seq * width + b] = physical.pop()!;
    for (let s = 0; s < length; s++) {
      const block = blockTables[seq * width + Math.floor(s / blockSize)]!;
      for (let h = 0; h < numKvHeads; h++) {
        const at = ((block * numKvHeads + h) * blockSize + (s % blockSize)) * headDim;
        const from = (s * numKvHeads + h) * headDim;
        kPool.set(keys[seq]!.subarray(from, from + headDim), at);
        vPool.set(values[seq]!.subarray(from, from + headDim), at);
      }
    }
  });
  return { shape, lengths, maxBlocks: width, blockTables, keys, values, kPool: toHalves(kPool), vPool: toHalves(vPool) };
}

/**
 * The reference attention of every query row (q heads from column 0 of its qkv row) over the f16
 * keys and values the pools hold (within the shape's sliding window, if any), in f64:
 * (rows, numHeads · headDim).
 */
export function pagedAttentionRef(kv: PagedKv, qkv: Float32Array, tokenSeq: readonly number[], positions: readonly number[]): Float64Array {
  const { headDim, numHeads, numKvHeads } = kv.shape;
  const width = (numHeads + 2 * numKvHeads) * headDim;
  const stored = new Map<number, { keys: Float64Array; values: Float64Array }>();
  const expected = new Float64Array(tokenSeq.length * numHeads * headDim);
  tokenSeq.forEach((seq, t) => {
    let pool = stored.get(seq);
    if (pool === undefined) stored.set(seq, (pool = { keys: kvStoredRef(kv.keys[seq]!), values: kvStoredRef(kv.values[seq]!) }));
    const q = qkv.subarray(t * width, t * width + numHeads * headDim);
    const window = kv.shape.slidingWindow ?? 0;
    expected.set(attentionRef(q, pool.keys, pool.values, [positions[t]!], numHeads, numKvHeads, headDim, window), t * numHeads * headDim);
  });
  return expected;
}

/** f32 values → their f16 bit patterns (nearest even): a pool as kv_write.wgsl packs it. */
export function toHalves(values: Float32Array): Uint16Array {
  return float32BitsToFloat16Bits(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

export function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
