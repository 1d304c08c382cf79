/**
 * The model's weights on the GPU in the runtime's layout: every tensor f16 (packed two per u32),
 * q/k/v fused into one matrix (and bias), gate/up fused, Qwen3's q_norm and k_norm side by side —
 * rearranged once at load so a layer needs fewer dispatches. Buffers are allocated first (so the
 * GPU can refuse the model before anything is downloaded); tensors are then written piece by
 * piece as their bytes stream in (`write`), each piece converted to f16 and placed at its rows.
 * Vectors (norms, biases) are small and odd-sized, so they are gathered on the CPU and written
 * once at `finish`. A failure part-way destroys what was made: no partial model is left.
 * In a 4-bit checkpoint (config.quantization) the layer Linears are Q4Matrix instead, fused the
 * same way; their tensors are staged per Linear and repacked (q4-linear-upload.ts).
 * With `quantizeGroupSize` (load option quantization 'q4') a float checkpoint's matrices — every
 * layer Linear, the embedding and the LM head — are Q4Matrix too, each piece of whole rows
 * quantized as it arrives (q4-quantize.ts), so nothing is staged.
 */
import { LlmError } from '../errors.ts';
import { createPackedMatrix, rowVec4, writeMatrixRows, type PackedMatrix } from '../gpu/packed-weights.ts';
import { createQ4Matrix, q4Buffers, writeQ4Rows, type Q4Matrix } from '../gpu/q4-weights.ts';
import type { TensorPiece } from './checkpoint-stream.ts';
import { ropeInverseFrequencies, type ModelConfig } from './config.ts';
import { DTYPE_BYTES } from './safetensors-header.ts';
import { toFloat16Bits, toFloat32 } from './safetensors.ts';
import { quantizeQ4 } from './q4-quantize.ts';
import { packQuantizedMatrix } from './q4-repack.ts';
import { QuantizedLinearUpload, type QuantizedLinear } from './q4-linear-upload.ts';
import { expectedTensors, layerPrefix } from './tensor-names.ts';

export interface LayerWeights {
  readonly inputNorm: GPUBuffer; // (hidden)
  readonly qkv: PackedMatrix | Q4Matrix; // ((heads + 2·kvHeads)·headDim, hidden)
  readonly qkvBias: GPUBuffer | undefined; // ((heads + 2·kvHeads)·headDim)
  readonly qkNorm: GPUBuffer | undefined; // (2·headDim): q_norm then k_norm
  readonly o: PackedMatrix | Q4Matrix; // (hidden, heads·headDim)
  readonly postNorm: GPUBuffer; // (hidden)
  readonly gateUp: PackedMatrix | Q4Matrix; // (2·intermediate, hidden)
  readonly down: PackedMatrix | Q4Matrix; // (hidden, intermediate)
}

export interface ModelWeights {
  readonly embed: PackedMatrix | Q4Matrix; // (vocab, hidden)
  readonly layers: readonly LayerWeights[];
  readonly finalNorm: GPUBuffer; // (hidden)
  readonly lmHead: PackedMatrix | Q4Matrix; // (vocab, hidden); the embedding itself when tied
  readonly invFreq: GPUBuffer; // (headDim / 2) f32, rope scaling applied
  destroy(): void;
}

/** Weights allocated but not yet written, and the means to write them. */
export interface WeightUpload {
  readonly weights: ModelWeights;
  /** Whether the model uses this checkpoint tensor. */
  wants(name: string): boolean;
  /** Converts one piece to f16 and writes it where it belongs; returns the bytes written to the GPU. */
  write(piece: TensorPiece): number;
  /** Writes the gathered vectors; throws if a tensor the model needs never fully arrived. */
  finish(): void;
}

type Placement =
  | { readonly kind: 'matrix'; readonly matrix: PackedMatrix; readonly firstRow: number }
  | { readonly kind: 'vector'; readonly vector: StagedVector; readonly offset: number }
  | { readonly kind: 'q4'; readonly linear: QuantizedLinear }
  | { readonly kind: 'quantize'; readonly matrix: Q4Matrix; readonly firstRow: number };

export interface WeightOptions {
  /** Quantize a float checkpoint's matrices to 4 bits with groups of this many inputs as they stream in. */
  readonly quantizeGroupSize?: number | undefined;
}

interface StagedVector {
  readonly buffer: GPUBuffer;
  readonly halves: Uint16Array<ArrayBuffer>;
}

export function allocateWeights(device: GPUDevice, config: ModelConfig, { quantizeGroupSize }: WeightOptions = {}): WeightUpload {
  if (quantizeGroupSize !== undefined && config.quantization !== undefined) {
    throw new LlmError('unsupported_option', 'load-time quantization of an already quantized checkpoint', 'quantization');
  }
  const buffers: GPUBuffer[] = [];
  const placements = new Map<string, Placement>();
  const vectors: StagedVector[] = [];
  const shapes = expectedTensors(config);
  const elements = (name: string) => (shapes.get(name) ?? []).reduce((product, size) => product * size, 1);

  /** One vector buffer for tensors laid end to end (each 1-D), sized as createPackedVector does. */
  const vector = (names: readonly string[], label: string): GPUBuffer => {
    const length = names.reduce((sum, name) => sum + elements(name), 0);
    const halves = new Uint16Array(Math.max(8, Math.ceil(length / 8) * 8));
    const buffer = device.createBuffer({ label, size: halves.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    buffers.push(buffer);
    const staged = { buffer, halves };
    vectors.push(staged);
    let offset = 0;
    for (const name of names) {
      placements.set(name, { kind: 'vector', vector: staged, offset });
      offset += elements(name);
    }
    return buffer;
  };
  /** One matrix from tensors stacked by rows (each [rows_i, cols]); 4-bit when quantizing at load. */
  const matrix = (names: readonly string[], rows: number, cols: number, label: string): PackedMatrix | Q4Matrix => {
    if (quantizeGroupSize !== undefined) {
      const q4 = createQ4Matrix(device, rows, cols, quantizeGroupSize, label);
      buffers.push(...q4Buffers(q4));
      let firstRow = 0;
      for (const name of names) {
        placements.set(name, { kind: 'quantize', matrix: q4, firstRow });
        firstRow += shapes.get(name)?.[0] ?? 0;
      }
      return q4;
    }
    const packed = createPackedMatrix(device, rows, cols, label);
    buffers.push(...packed.chunks.map((chunk) => chunk.buffer));
    let firstRow = 0;
    for (const name of names) {
      placements.set(name, { kind: 'matrix', matrix: packed, firstRow });
      firstRow += shapes.get(name)?.[0] ?? 0;
    }
    return packed;
  };
  const quantization = config.quantization;
  const q4Upload = quantization === undefined ? undefined : new QuantizedLinearUpload(device, quantization);
  /** One layer Linear from checkpoint Linears stacked by rows (`prefixes`, each [rows_i, cols]). */
  const linear = (prefixes: readonly string[], partRows: readonly number[], cols: number, label: string): PackedMatrix | Q4Matrix => {
    const rows = partRows.reduce((sum, part) => sum + part, 0);
    if (quantization === undefined || q4Upload === undefined) return matrix(prefixes.map((prefix) => `${prefix}.weight`), rows, cols, label);
    const groupSize = quantization.groupSize ?? cols;
    const actOrder = quantization.method === 'gptq' && quantization.descAct;
    const q4 = createQ4Matrix(device, rows, cols, groupSize, label, { actOrder, partRows });
    buffers.push(...q4Buffers(q4));
    let firstRow = 0;
    prefixes.forEach((prefix, part) => {
      const target: QuantizedLinear = { prefix, matrix: q4, firstRow, rows: partRows[part]! };
      for (const name of q4Upload.tensors(target).keys()) placements.set(name, { kind: 'q4', linear: target });
      firstRow += target.rows;
    });
    return q4;
  };
  const destroy = () => buffers.forEach((buffer) => buffer.destroy());

  let weights: ModelWeights;
  try {
    const { hiddenSize: hidden, headDim, numHeads, numKvHeads, intermediateSize } = config;
    const embed = matrix(['model.embed_tokens.weight'], config.vocabSize, hidden, 'embed');
    const layers = Array.from({ length: config.numLayers }, (_, index): LayerWeights => {
      const p = layerPrefix(index);
      const attention = ['q_proj', 'k_proj', 'v_proj'].map((name) => `${p}.self_attn.${name}`);
      return {
        inputNorm: vector([`${p}.input_layernorm.weight`], `${p}.inputNorm`),
        qkv: linear(attention, [numHeads * headDim, numKvHeads * headDim, numKvHeads * headDim], hidden, `${p}.qkv`),
        qkvBias: config.qkvBias ? vector(attention.map((name) => `${name}.bias`), `${p}.qkvBias`) : undefined,
        qkNorm: config.qkNorm ? vector([`${p}.self_attn.q_norm.weight`, `${p}.self_attn.k_norm.weight`], `${p}.qkNorm`) : undefined,
        o: linear([`${p}.self_attn.o_proj`], [hidden], numHeads * headDim, `${p}.o`),
        postNorm: vector([`${p}.post_attention_layernorm.weight`], `${p}.postNorm`),
        gateUp: linear([`${p}.mlp.gate_proj`, `${p}.mlp.up_proj`], [intermediateSize, intermediateSize], hidden, `${p}.gateUp`),
        down: linear([`${p}.mlp.down_proj`], [hidden], intermediateSize, `${p}.down`),
      };
    });
    const finalNorm = vector(['model.norm.weight'], 'finalNorm');
    const lmHead = config.tieWordEmbeddings ? embed : matrix(['lm_head.weight'], config.vocabSize, hidden, 'lmHead');
    const frequencies = new Float32Array(ropeInverseFrequencies(config));
    const invFreq = device.createBuffer({ label: 'invFreq', size: Math.max(16, frequencies.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    buffers.push(invFreq);
    device.queue.writeBuffer(invFreq, 0, frequencies);
    weights = { embed, layers, finalNorm, lmHead, invFreq, destroy };
  } catch (error) {
    destroy();
    throw error;
  }

  const received = new Map<string, number>();
  return {
    weights,
    wants: (name) => placements.has(name),
    write(piece) {
      const placement = placements.get(piece.name);
      if (placement === undefined) return 0;
      if (placement.kind === 'q4') {
        received.set(piece.name, (received.get(piece.name) ?? 0) + piece.data.byteLength / DTYPE_BYTES[piece.dtype]);
        return q4Upload!.write(placement.linear, piece);
      }
      if (placement.kind === 'quantize') {
        const values = toFloat32(piece);
        received.set(piece.name, (received.get(piece.name) ?? 0) + values.length);
        const { matrix } = placement;
        const packed = packQuantizedMatrix(quantizeQ4(values, values.length / matrix.cols, matrix.cols, matrix.groupSize));
        writeQ4Rows(device, matrix, placement.firstRow + piece.firstRow, packed);
        return (packed.qweight.length + packed.scales.length + packed.zeros.length) * 4;
      }
      const halves = toFloat16Bits(piece);
      received.set(piece.name, (received.get(piece.name) ?? 0) + halves.length);
      if (placement.kind === 'vector') {
        const rowElements = piece.shape.slice(1).reduce((product, size) => product * size, 1);
        placement.vector.halves.set(halves, placement.offset + piece.firstRow * rowElements);
        return 0;
      }
      writeMatrixRows(device, placement.matrix, placement.firstRow + piece.firstRow, halves);
      return (halves.length / placement.matrix.cols) * rowVec4(placement.matrix.cols) * 16;
    },
    finish() {
      for (const name of placements.keys()) {
        if (received.get(name) !== elements(name)) throw new Error(`weights: ${name} got ${received.get(name) ?? 0} of ${elements(name)} values`);
      }
      q4Upload?.finish();
      for (const { buffer, halves } of vectors) device.queue.writeBuffer(buffer, 0, halves);
    },
  };
}
