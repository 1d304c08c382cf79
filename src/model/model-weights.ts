/**
 * Uploads a validated checkpoint to the GPU in the runtime's layout: every tensor f16 (packed two
 * per u32), q/k/v fused into one matrix (and bias), gate/up fused, Qwen3's q_norm and k_norm
 * side by side — rearranged once at load so a layer needs fewer dispatches. A failure part-way
 * destroys what was already uploaded: no partial model is left.
 */
import {
  createPackedMatrix,
  createPackedVector,
  writeMatrixRows,
  type PackedMatrix,
} from '../gpu/packed-weights.ts';
import type { Checkpoint } from './checkpoint.ts';
import { ropeInverseFrequencies, type ModelConfig } from './config.ts';
import { toFloat16Bits } from './safetensors.ts';
import { layerPrefix } from './tensor-names.ts';

export interface LayerWeights {
  readonly inputNorm: GPUBuffer; // (hidden)
  readonly qkv: PackedMatrix; // ((heads + 2·kvHeads)·headDim, hidden)
  readonly qkvBias: GPUBuffer | undefined; // ((heads + 2·kvHeads)·headDim)
  readonly qkNorm: GPUBuffer | undefined; // (2·headDim): q_norm then k_norm
  readonly o: PackedMatrix; // (hidden, heads·headDim)
  readonly postNorm: GPUBuffer; // (hidden)
  readonly gateUp: PackedMatrix; // (2·intermediate, hidden)
  readonly down: PackedMatrix; // (hidden, intermediate)
}

export interface ModelWeights {
  readonly embed: PackedMatrix; // (vocab, hidden)
  readonly layers: readonly LayerWeights[];
  readonly finalNorm: GPUBuffer; // (hidden)
  readonly lmHead: PackedMatrix; // (vocab, hidden); the embedding itself when tied
  readonly invFreq: GPUBuffer; // (headDim / 2) f32, rope scaling applied
  destroy(): void;
}

export function uploadWeights(device: GPUDevice, config: ModelConfig, checkpoint: Checkpoint): ModelWeights {
  const buffers: GPUBuffer[] = [];
  const track = <T extends GPUBuffer | PackedMatrix>(resource: T): T => {
    if ('chunks' in resource) buffers.push(...resource.chunks.map((chunk) => chunk.buffer));
    else buffers.push(resource);
    return resource;
  };
  const halves = (name: string): Uint16Array => {
    const info = checkpoint.tensors.get(name);
    if (info === undefined) throw new Error(`validated checkpoint lacks ${name}`);
    return toFloat16Bits(info);
  };
  const vector = (names: readonly string[], label: string) => track(createPackedVector(device, names.map(halves), label));
  /** One matrix from tensors stacked by rows (each [rows_i, cols]). */
  const matrix = (names: readonly string[], rows: number, cols: number, label: string): PackedMatrix => {
    const packed = track(createPackedMatrix(device, rows, cols, label));
    let row = 0;
    for (const name of names) {
      const data = halves(name);
      writeMatrixRows(device, packed, row, data);
      row += data.length / cols;
    }
    return packed;
  };
  try {
    const { hiddenSize: hidden, headDim, numHeads, numKvHeads, intermediateSize } = config;
    const qkvRows = (numHeads + 2 * numKvHeads) * headDim;
    const embed = matrix(['model.embed_tokens.weight'], config.vocabSize, hidden, 'embed');
    const layers = Array.from({ length: config.numLayers }, (_, index): LayerWeights => {
      const p = layerPrefix(index);
      const attention = ['q_proj', 'k_proj', 'v_proj'].map((name) => `${p}.self_attn.${name}`);
      return {
        inputNorm: vector([`${p}.input_layernorm.weight`], `${p}.inputNorm`),
        qkv: matrix(attention.map((name) => `${name}.weight`), qkvRows, hidden, `${p}.qkv`),
        qkvBias: config.qkvBias ? vector(attention.map((name) => `${name}.bias`), `${p}.qkvBias`) : undefined,
        qkNorm: config.qkNorm ? vector([`${p}.self_attn.q_norm.weight`, `${p}.self_attn.k_norm.weight`], `${p}.qkNorm`) : undefined,
        o: matrix([`${p}.self_attn.o_proj.weight`], hidden, numHeads * headDim, `${p}.o`),
        postNorm: vector([`${p}.post_attention_layernorm.weight`], `${p}.postNorm`),
        gateUp: matrix([`${p}.mlp.gate_proj.weight`, `${p}.mlp.up_proj.weight`], 2 * intermediateSize, hidden, `${p}.gateUp`),
        down: matrix([`${p}.mlp.down_proj.weight`], hidden, intermediateSize, `${p}.down`),
      };
    });
    const finalNorm = vector(['model.norm.weight'], 'finalNorm');
    const lmHead = config.tieWordEmbeddings ? embed : matrix(['lm_head.weight'], config.vocabSize, hidden, 'lmHead');
    const frequencies = ropeInverseFrequencies(config);
    const invFreq = track(device.createBuffer({ label: 'invFreq', size: Math.max(16, frequencies.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }));
    device.queue.writeBuffer(invFreq, 0, new Float32Array(frequencies));
    return { embed, layers, finalNorm, lmHead, invFreq, destroy: () => destroyAll(buffers) };
  } catch (error) {
    destroyAll(buffers);
    throw error;
  }
}

function destroyAll(buffers: readonly GPUBuffer[]): void {
  for (const buffer of buffers) buffer.destroy();
}
