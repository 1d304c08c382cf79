/**
 * The bench's byte accounting (tools/bench/decode-bytes.ts) against what the runtime's allocators
 * actually create: createQ4Matrix / createPackedMatrix / createPackedVector on a recording fake
 * device, so a layout change that the accounting misses fails here.
 */
import { describe, expect, it } from 'vitest';
import { createPackedMatrix, createPackedVector } from '../../src/gpu/packed-weights.ts';
import { createQ4Matrix } from '../../src/gpu/q4-weights.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { KvCache } from '../../src/model/kv-cache.ts';
import { decodeBytes, matrixBytes, vectorBytes, weightAccount } from '../../tools/bench/decode-bytes.ts';
import { qwen25_05b, qwen25_15b } from '../../tools/bench/random-model.ts';

(globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage ??= { STORAGE: 0x80, COPY_DST: 0x8 };

const limits = { maxStorageBufferBindingSize: 128 * 1024 * 1024, maxBufferSize: 256 * 1024 * 1024 } as GPUSupportedLimits;

function recordingDevice(): { device: GPUDevice; allocated: () => number } {
  let bytes = 0;
  const device = {
    limits,
    createBuffer: ({ size }: GPUBufferDescriptor) => {
      bytes += size;
      return { size, destroy() {} } as unknown as GPUBuffer;
    },
    queue: { writeBuffer() {} },
  } as unknown as GPUDevice;
  return { device, allocated: () => bytes };
}

const tiny = parseModelConfig({
  architectures: ['Qwen2ForCausalLM'], hidden_size: 64, intermediate_size: 160, num_attention_heads: 4, num_hidden_layers: 2,
  num_key_value_heads: 2, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, vocab_size: 96, max_position_embeddings: 256,
});

describe('bench byte accounting', () => {
  it('q4 matrix bytes equal the buffers createQ4Matrix allocates', () => {
    for (const [rows, cols, groupSize] of [[96, 64, 32], [7, 160, 32], [3, 136, 8], [1000, 1024, 128]] as const) {
      const { device, allocated } = recordingDevice();
      createQ4Matrix(device, rows, cols, groupSize, 'w');
      expect(matrixBytes(rows, cols, { kind: 'q4', groupSize }).total).toBe(allocated());
    }
  });

  it('f16 matrix and vector bytes equal what createPackedMatrix / createPackedVector allocate', () => {
    for (const [rows, cols] of [[96, 64], [7, 160], [3, 13]] as const) {
      const { device, allocated } = recordingDevice();
      createPackedMatrix(device, rows, cols, 'w');
      expect(matrixBytes(rows, cols, { kind: 'f16' }).total).toBe(allocated());
    }
    for (const length of [1, 8, 64, 130]) {
      const { device, allocated } = recordingDevice();
      createPackedVector(device, [new Uint16Array(length)], 'v');
      expect(vectorBytes(length)).toBe(allocated());
    }
  });

  it('a tiny model: weights are the sum of its matrices and vectors, each format', () => {
    for (const format of [{ kind: 'f16' }, { kind: 'q4', groupSize: 32 }] as const) {
      const { device, allocated } = recordingDevice();
      const h = 64;
      const q4 = format.kind === 'q4';
      const matrix = (rows: number, cols: number) => (q4 ? createQ4Matrix(device, rows, cols, 32, 'm') : createPackedMatrix(device, rows, cols, 'm'));
      const vector = (length: number) => createPackedVector(device, [new Uint16Array(length)], 'v');
      matrix(96, h); // tied embedding / LM head
      for (let layer = 0; layer < 2; layer++) {
        matrix(8 * 16, h); // qkv: (4 + 2·2) heads · 16
        matrix(h, 4 * 16);
        matrix(2 * 160, h);
        matrix(h, 160);
        vector(h);
        vector(h);
        vector(8 * 16); // qkv bias
      }
      vector(h);
      const invFreq = (16 / 2) * 4;
      expect(weightAccount(tiny, format).weightsBytes).toBe(allocated() + invFreq);
    }
  });

  it('KV per token is KvCache.bytesPerBlock per token; a step reads weights + context · KV', () => {
    const row = decodeBytes(tiny, { kind: 'f16' }, 100, limits);
    expect(row.kvBytesPerToken).toBe(2 * 2 * 2 * 16 * 2);
    expect(row.kvBytesPerToken * 16).toBe(KvCache.bytesPerBlock(tiny, 16));
    expect(row.bytesPerDecodeStep).toBe(row.weightBytesPerStep + 100 * row.kvBytesPerToken);
    expect(row.kvDefaultBudgetTokens % 16).toBe(0);
  });

  it('q4 g32 cuts real-shape weights to 0.25–0.35 of f16, and matches performance.md at 1.5B f16', () => {
    for (const config of [qwen25_05b, qwen25_15b]) {
      const f16 = weightAccount(config, { kind: 'f16' });
      const q4 = weightAccount(config, { kind: 'q4', groupSize: 32 });
      // 4 bits + an f16 scale and a zero byte per 32 weights: 0.59375 bytes against 2, plus f16 vectors.
      expect(q4.weightsBytes / f16.weightsBytes).toBeGreaterThan(0.25);
      expect(q4.weightsBytes / f16.weightsBytes).toBeLessThan(0.35);
      expect(q4.weightBytesPerStep).toBeLessThan(f16.weightBytesPerStep);
    }
    expect(weightAccount(qwen25_15b, { kind: 'f16' }).weightsBytes / 1e9).toBeCloseTo(3.09, 1);
  });
});
