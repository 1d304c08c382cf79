/**
 * The paged KV cache's GPU side: per layer, a K pool and a V pool of shape
 * (numBlocks, kvHeads, blockSize, headDim) in f16, packed two per u32 (kv_write.wgsl), so no
 * `shader-f16` is needed and a budget holds twice the tokens f32 would. Which block belongs to
 * which sequence is bookkeeping kept elsewhere (block tables); this only owns the memory.
 */
import type { ModelConfig } from './config.ts';

export interface KvCacheOptions {
  readonly numBlocks: number;
  readonly blockSize: number;
}

export interface KvLayer {
  readonly k: GPUBuffer;
  readonly v: GPUBuffer;
}

export class KvCache {
  readonly layers: readonly KvLayer[];
  readonly numBlocks: number;
  readonly blockSize: number;

  constructor(device: GPUDevice, config: ModelConfig, options: KvCacheOptions) {
    this.numBlocks = options.numBlocks;
    this.blockSize = options.blockSize;
    const size = KvCache.poolBytesPerBlock(config, options.blockSize) * options.numBlocks;
    const create = (label: string) => device.createBuffer({ label, size, usage: GPUBufferUsage.STORAGE });
    this.layers = Array.from({ length: config.numLayers }, (_, layer) => ({ k: create(`kv.${layer}.k`), v: create(`kv.${layer}.v`) }));
  }

  /** Each K or V value is stored as an f16. */
  static readonly bytesPerValue = 2;

  /** Bytes one block takes in one pool (one layer's K or V): what one binding must hold. */
  static poolBytesPerBlock(config: ModelConfig, blockSize: number): number {
    return config.numKvHeads * blockSize * config.headDim * KvCache.bytesPerValue;
  }

  /** Bytes one block costs across all layers, K and V. */
  static bytesPerBlock(config: ModelConfig, blockSize: number): number {
    return 2 * config.numLayers * KvCache.poolBytesPerBlock(config, blockSize);
  }

  destroy(): void {
    for (const layer of this.layers) {
      layer.k.destroy();
      layer.v.destroy();
    }
  }
}
