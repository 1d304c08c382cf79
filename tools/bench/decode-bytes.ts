/**
 * What a model takes on the GPU and reads per decode step, at f16 or 4-bit, from the runtime's own
 * layout functions (packed-weights rowVec4, q4-weights q4RowWords, KvCache.bytesPerBlock,
 * kv-plan's default budget), so these figures follow the code rather than a formula of their own.
 * Pure arithmetic: no device is touched.
 *
 * Counted: every matrix and vector buffer the weights allocate (f16 vectors padded to 8 halves as
 * createPackedVector does, each 4-bit array padded to 16 bytes as createQ4Matrix does for a single
 * chunk), the f32 RoPE frequencies. `q4` quantizes every Linear *and* the embedding/LM head (one
 * tensor when tied), as load-time `quantization: 'q4'` is meant to; norms and biases stay f16.
 * Per decode step (batch 1): every layer matrix and the LM head once, one embedding row (the
 * gather), the norm/bias vectors, and K and V of `context` tokens. Activations are left out
 * (a few hundred KB at these shapes).
 */
import type { ModelConfig } from '../../src/model/config.ts';
import { KvCache } from '../../src/model/kv-cache.ts';
import { planKvCache } from '../../src/model/kv-plan.ts';
import { rowVec4 } from '../../src/gpu/packed-weights.ts';
import { q4RowWords } from '../../src/gpu/q4-weights.ts';

export type WeightFormat = { readonly kind: 'f16' } | { readonly kind: 'q4'; readonly groupSize: number };

const pad16 = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);

/** GPU bytes of a [rows, cols] weight matrix and of one of its rows, as the runtime lays it out. */
export function matrixBytes(rows: number, cols: number, format: WeightFormat): { total: number; row: number } {
  if (format.kind === 'f16') {
    const row = rowVec4(cols) * 16;
    return { total: rows * row, row };
  }
  const { qweightWords, scaleWords, zeroWords } = q4RowWords(cols, format.groupSize);
  return {
    total: pad16(rows * qweightWords * 4) + pad16(rows * scaleWords * 4) + pad16(rows * zeroWords * 4),
    row: (qweightWords + scaleWords + zeroWords) * 4,
  };
}

/** createPackedVector's buffer: f16, padded to a multiple of 8 halves. */
export function vectorBytes(length: number): number {
  return Math.max(8, Math.ceil(length / 8) * 8) * 2;
}

export interface WeightAccount {
  /** GPU memory of all weights (the tied embedding once). */
  readonly weightsBytes: number;
  /** Of which the embedding (and LM head when tied). */
  readonly embedBytes: number;
  /** Weight bytes one batch-1 decode step reads. */
  readonly weightBytesPerStep: number;
}

/** `head`: the embedding/LM head's format, by default the Linears' own. */
export function weightAccount(config: ModelConfig, format: WeightFormat, head: WeightFormat = format): WeightAccount {
  const { hiddenSize: hidden, headDim, numHeads, numKvHeads, intermediateSize, vocabSize, numLayers } = config;
  const qkvRows = (numHeads + 2 * numKvHeads) * headDim;
  const layerMatrices = [
    matrixBytes(qkvRows, hidden, format),
    matrixBytes(hidden, numHeads * headDim, format),
    matrixBytes(2 * intermediateSize, hidden, format),
    matrixBytes(hidden, intermediateSize, format),
  ].reduce((sum, m) => sum + m.total, 0);
  const layerVectors = 2 * vectorBytes(hidden) + (config.qkvBias ? vectorBytes(qkvRows) : 0) + (config.qkNorm ? vectorBytes(2 * headDim) : 0);
  const embed = matrixBytes(vocabSize, hidden, head);
  const lmHead = config.tieWordEmbeddings ? 0 : embed.total;
  const invFreq = (headDim / 2) * 4;
  const finalNorm = vectorBytes(hidden);
  const body = numLayers * (layerMatrices + layerVectors);
  return {
    weightsBytes: body + embed.total + lmHead + finalNorm + invFreq,
    embedBytes: embed.total,
    weightBytesPerStep: body + embed.total + embed.row + finalNorm + invFreq,
  };
}

/** K and V of one token across all layers (f16 pools). */
export function kvBytesPerToken(config: ModelConfig, blockSize = 16): number {
  return KvCache.bytesPerBlock(config, blockSize) / blockSize;
}

export interface DecodeBytesRow {
  readonly weightsBytes: number;
  readonly embedBytes: number;
  readonly kvBytesPerToken: number;
  /** The runtime's default KV budget for weights of this size, and the tokens it holds. */
  readonly kvDefaultBudgetBytes: number;
  readonly kvDefaultBudgetTokens: number;
  readonly weightBytesPerStep: number;
  readonly kvBytesPerStep: number;
  readonly bytesPerDecodeStep: number;
}

export function decodeBytes(
  config: ModelConfig, format: WeightFormat, context: number, limits: GPUSupportedLimits, { blockSize = 16, head = format }: { blockSize?: number; head?: WeightFormat } = {},
): DecodeBytesRow {
  const weights = weightAccount(config, format, head);
  const perToken = kvBytesPerToken(config, blockSize);
  const blocks = planKvCache(config, limits, weights.weightsBytes, blockSize, {});
  const kvBytesPerStep = context * perToken;
  return {
    weightsBytes: weights.weightsBytes,
    embedBytes: weights.embedBytes,
    kvBytesPerToken: perToken,
    kvDefaultBudgetBytes: blocks * KvCache.bytesPerBlock(config, blockSize),
    kvDefaultBudgetTokens: blocks * blockSize,
    weightBytesPerStep: weights.weightBytesPerStep,
    kvBytesPerStep,
    bytesPerDecodeStep: weights.weightBytesPerStep + kvBytesPerStep,
  };
}
