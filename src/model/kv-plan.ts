/**
 * How many KV blocks to allocate: from a memory budget (an option, else a default scaled to the
 * model's size), capped by what one GPU binding may hold (each layer's K and V pool is one
 * binding). Browsers do not report free GPU memory, so the default budget is the weights' own
 * size, clamped to [64 MiB, 1 GiB]: small models get room for many sequences, large ones do not
 * double their footprint.
 */
import { LlmError } from '../errors.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { ModelConfig } from './config.ts';
import { q4RowWords } from '../gpu/q4-weights.ts';
import { KvCache } from './kv-cache.ts';

export interface KvPlanOptions {
  /** Bytes for the whole KV cache (all layers, K and V). */
  readonly kvCacheBytes?: number | undefined;
  /** An exact block count instead of a budget (tests, the CLI). */
  readonly numKvBlocks?: number | undefined;
}

const MiB = 1024 * 1024;

/**
 * Bytes the weights take on the GPU: float tensors are stored as f16; a 4-bit Linear's I32
 * tensors (qweight, qzeros, g_idx) as about as many u32 words (qweight exactly, zero points and
 * group indices a little less) and its f16 scales as they are. With `quantizeGroupSize` (load-time
 * 'q4'), each float matrix counts at its 4-bit size: K/8 qweight words, f16 scale pairs, zero bytes.
 */
export function weightBytes(checkpoint: Checkpoint, quantizeGroupSize?: number): number {
  let bytes = 0;
  for (const tensor of checkpoint.tensors.values()) {
    const [rows = 1, cols = 1] = tensor.shape;
    if (quantizeGroupSize !== undefined && tensor.shape.length === 2 && tensor.dtype !== 'I32') {
      // Quantized at load (every float matrix is a Linear, the embedding or the LM head): q4-weights.ts words.
      const { qweightWords, scaleWords, zeroWords } = q4RowWords(cols, quantizeGroupSize);
      bytes += rows * (qweightWords + scaleWords + zeroWords) * 4;
      continue;
    }
    bytes += tensor.shape.reduce((a, b) => a * b, 1) * (tensor.dtype === 'I32' ? 4 : 2);
  }
  return bytes;
}

export function defaultKvBudget(modelBytes: number): number {
  return Math.min(1024 * MiB, Math.max(64 * MiB, modelBytes));
}

/** The number of KV blocks to allocate. */
export function planKvCache(config: ModelConfig, limits: GPUSupportedLimits, modelBytes: number, blockSize: number, options: KvPlanOptions): number {
  const bytesPerBlock = KvCache.bytesPerBlock(config, blockSize);
  const bindingCap = Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / KvCache.poolBytesPerBlock(config, blockSize));
  if (options.numKvBlocks !== undefined && (!Number.isInteger(options.numKvBlocks) || options.numKvBlocks < 1)) {
    throw new LlmError('invalid_argument', `numKvBlocks must be a positive integer, got ${options.numKvBlocks}`, 'numKvBlocks');
  }
  if (options.kvCacheBytes !== undefined && !(options.kvCacheBytes > 0)) {
    throw new LlmError('invalid_argument', `kvCacheBytes must be positive, got ${options.kvCacheBytes}`, 'kvCacheBytes');
  }
  const budgetBytes = options.numKvBlocks !== undefined ? options.numKvBlocks * bytesPerBlock : options.kvCacheBytes ?? defaultKvBudget(modelBytes);
  const numBlocks = Math.min(Math.floor(budgetBytes / bytesPerBlock), bindingCap);
  if (numBlocks < 1) {
    throw new LlmError('adapter_insufficient', `a KV budget of ${budgetBytes} bytes holds no block of ${bytesPerBlock} bytes`, 'kvCacheBytes');
  }
  return numBlocks;
}
