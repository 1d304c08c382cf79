/**
 * A model with real Qwen2.5-0.5B shapes and random f16 weights made on the GPU side directly
 * (nothing downloaded): enough to measure kernels and decode speed at true sizes.
 */
import { parseModelConfig, ropeInverseFrequencies, type ModelConfig } from '../../src/model/config.ts';
import type { LayerWeights, ModelWeights } from '../../src/model/model-weights.ts';
import { createQ4Matrix, q4Buffers, type Q4Matrix } from '../../src/gpu/q4-weights.ts';
import { createPackedMatrix, createPackedVector, type PackedMatrix } from '../../src/gpu/packed-weights.ts';

/** Qwen2.5-0.5B-Instruct's config.json as published, read through the same parser as any model. */
export const qwen25_05b: ModelConfig = parseModelConfig({
  architectures: ['Qwen2ForCausalLM'],
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  vocab_size: 151936,
  eos_token_id: 151645,
});

/** Qwen2.5-1.5B-Instruct's config.json shapes (model-math.md). */
export const qwen25_15b: ModelConfig = parseModelConfig({
  architectures: ['Qwen2ForCausalLM'],
  hidden_act: 'silu',
  hidden_size: 1536,
  intermediate_size: 8960,
  max_position_embeddings: 32768,
  num_attention_heads: 12,
  num_hidden_layers: 28,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  vocab_size: 151936,
  eos_token_id: 151645,
});

/** Random halves in ±[2^-8, 2^-4): small enough that activations stay finite through 24 layers. */
function randomHalves(count: number, seed: number): Uint16Array {
  const halves = new Uint16Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    halves[i] = ((state >>> 31) << 15) | ((7 + ((state >>> 24) & 3)) << 10) | (state & 0x3ff);
  }
  return halves;
}

/**
 * `placeholder`: 16-byte buffers in the real chunk layout, for Dawn's null backend, which has a
 * small memory cap and executes nothing — encoding cost does not depend on buffer sizes.
 */
export function createRandomWeights(device: GPUDevice, config: ModelConfig, placeholder = false, q4GroupSize?: number): ModelWeights {
  // One 8 MiB pattern written over and over keeps set-up fast on CPU adapters.
  const pattern = randomHalves(4 * 1024 * 1024, 1);
  const buffers: GPUBuffer[] = [];
  const matrix = (rows: number, cols: number, label: string): PackedMatrix => {
    const packed = createPackedMatrix(device, rows, cols, label, placeholder ? 1 << 30 : undefined, placeholder ? 16 : undefined);
    if (placeholder) {
      buffers.push(...packed.chunks.map((chunk) => chunk.buffer));
      return packed;
    }
    for (const chunk of packed.chunks) {
      buffers.push(chunk.buffer);
      for (let offset = 0; offset < chunk.buffer.size; offset += pattern.byteLength) {
        device.queue.writeBuffer(chunk.buffer, offset, pattern.buffer, 0, Math.min(pattern.byteLength, chunk.buffer.size - offset));
      }
    }
    return packed;
  };
  // `q4GroupSize`: the layer Linears as random 4-bit matrices (zero points 8); the embedding and
  // LM head stay f16, the only form ModelWeights holds them in today.
  const linear = (rows: number, cols: number, label: string): PackedMatrix | Q4Matrix => {
    if (q4GroupSize === undefined || placeholder) return matrix(rows, cols, label);
    const q4 = createQ4Matrix(device, rows, cols, q4GroupSize, label);
    for (const chunk of q4.chunks) {
      for (const buffer of [chunk.qweight, chunk.scales]) {
        for (let offset = 0; offset < buffer.size; offset += pattern.byteLength) {
          device.queue.writeBuffer(buffer, offset, pattern.buffer, 0, Math.min(pattern.byteLength, buffer.size - offset));
        }
      }
      device.queue.writeBuffer(chunk.zeros, 0, new Uint32Array(chunk.zeros.size / 4).fill(0x08080808));
    }
    buffers.push(...q4Buffers(q4));
    return q4;
  };
  const vector = (length: number, label: string) => {
    const buffer = createPackedVector(device, [Uint16Array.from({ length }, () => 0x3c00)], label);
    buffers.push(buffer);
    return buffer;
  };
  const { hiddenSize: hidden, headDim, numHeads, numKvHeads, intermediateSize } = config;
  const qkvRows = (numHeads + 2 * numKvHeads) * headDim;
  const embed = matrix(config.vocabSize, hidden, 'embed');
  const layers = Array.from({ length: config.numLayers }, (_, i): LayerWeights => ({
    inputNorm: vector(hidden, `layer${i}.inputNorm`),
    qkv: linear(qkvRows, hidden, `layer${i}.qkv`),
    qkvBias: config.qkvBias ? vector(qkvRows, `layer${i}.qkvBias`) : undefined,
    qkNorm: config.qkNorm ? vector(2 * headDim, `layer${i}.qkNorm`) : undefined,
    o: linear(hidden, numHeads * headDim, `layer${i}.o`),
    postNorm: vector(hidden, `layer${i}.postNorm`),
    gateUp: linear(2 * intermediateSize, hidden, `layer${i}.gateUp`),
    down: linear(hidden, intermediateSize, `layer${i}.down`),
  }));
  const frequencies = new Float32Array(ropeInverseFrequencies(config));
  const invFreq = device.createBuffer({ label: 'invFreq', size: frequencies.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(invFreq, 0, frequencies);
  buffers.push(invFreq);
  return {
    embed,
    layers,
    finalNorm: vector(hidden, 'finalNorm'),
    lmHead: embed,
    invFreq,
    destroy: () => buffers.forEach((buffer) => buffer.destroy()),
  };
}
