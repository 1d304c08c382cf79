/**
 * Every tensor a model needs, with its shape (names and shapes as in model-math.md; Linear
 * weights are [out, in]), and the check that a checkpoint has them all. Extra tensors (lm_head
 * while tied, rotary inv_freq buffers) are ignored. In a 4-bit checkpoint each layer Linear is
 * its published integer tensors instead of `.weight` (quantizedLinearTensors); every other tensor
 * is a float tensor as before.
 */
import { LlmError } from '../errors.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { ModelConfig } from './config.ts';
import type { Quantization } from './quantization-config.ts';
import type { TensorDtype } from './safetensors-header.ts';

export function layerPrefix(layer: number): string {
  return `model.layers.${layer}`;
}

/** The tensors of a quantized Linear with `rows` outputs and `cols` inputs (model-math.md, "4-bit checkpoints"). */
export function quantizedLinearTensors(quantization: Quantization, prefix: string, rows: number, cols: number): Map<string, number[]> {
  const groups = cols / (quantization.groupSize ?? cols);
  const tensors = new Map<string, number[]>();
  // AWQ gemm packs 8 outputs per word, GPTQ 8 inputs; both pack zero points along the outputs.
  tensors.set(`${prefix}.qweight`, quantization.method === 'awq' ? [cols, rows / 8] : [cols / 8, rows]);
  tensors.set(`${prefix}.qzeros`, [groups, rows / 8]);
  tensors.set(`${prefix}.scales`, [groups, rows]);
  if (quantization.method === 'gptq') tensors.set(`${prefix}.g_idx`, [cols]);
  return tensors;
}

/** The dtype a quantized Linear's tensor must have; undefined for a float tensor (BF16, F16 or F32). */
export function quantizedTensorDtype(config: ModelConfig, name: string): TensorDtype | undefined {
  if (config.quantization === undefined) return undefined;
  const suffix = name.slice(name.lastIndexOf('.') + 1);
  return suffix === 'scales' ? 'F16' : suffix === 'qweight' || suffix === 'qzeros' || suffix === 'g_idx' ? 'I32' : undefined;
}

export function expectedTensors(config: ModelConfig): Map<string, number[]> {
  const { hiddenSize: hidden, intermediateSize: intermediate, headDim, vocabSize: vocab } = config;
  const qSize = config.numHeads * headDim;
  const kvSize = config.numKvHeads * headDim;
  const tensors = new Map<string, number[]>();
  const linear = (prefix: string, rows: number, cols: number) => {
    if (config.quantization === undefined) tensors.set(`${prefix}.weight`, [rows, cols]);
    else for (const [name, shape] of quantizedLinearTensors(config.quantization, prefix, rows, cols)) tensors.set(name, shape);
  };

  tensors.set('model.embed_tokens.weight', [vocab, hidden]);
  for (let layer = 0; layer < config.numLayers; layer++) {
    const prefix = layerPrefix(layer);
    tensors.set(`${prefix}.input_layernorm.weight`, [hidden]);
    linear(`${prefix}.self_attn.q_proj`, qSize, hidden);
    linear(`${prefix}.self_attn.k_proj`, kvSize, hidden);
    linear(`${prefix}.self_attn.v_proj`, kvSize, hidden);
    if (config.qkvBias) {
      tensors.set(`${prefix}.self_attn.q_proj.bias`, [qSize]);
      tensors.set(`${prefix}.self_attn.k_proj.bias`, [kvSize]);
      tensors.set(`${prefix}.self_attn.v_proj.bias`, [kvSize]);
    }
    linear(`${prefix}.self_attn.o_proj`, hidden, qSize);
    if (config.qkNorm) {
      tensors.set(`${prefix}.self_attn.q_norm.weight`, [headDim]);
      tensors.set(`${prefix}.self_attn.k_norm.weight`, [headDim]);
    }
    tensors.set(`${prefix}.post_attention_layernorm.weight`, [hidden]);
    linear(`${prefix}.mlp.gate_proj`, intermediate, hidden);
    linear(`${prefix}.mlp.up_proj`, intermediate, hidden);
    linear(`${prefix}.mlp.down_proj`, hidden, intermediate);
  }
  tensors.set('model.norm.weight', [hidden]);
  // Tied models reuse embed_tokens as the output projection.
  if (!config.tieWordEmbeddings) tensors.set('lm_head.weight', [vocab, hidden]);
  return tensors;
}

/** Throws 'missing_tensor', 'tensor_shape_mismatch' or 'unknown_dtype' for the first tensor that is wrong. */
export function validateCheckpoint(config: ModelConfig, checkpoint: Checkpoint): void {
  for (const [name, expected] of expectedTensors(config)) {
    const tensor = checkpoint.tensors.get(name);
    if (tensor === undefined) {
      throw new LlmError('missing_tensor', `checkpoint has no tensor "${name}" (expected shape [${expected.join(', ')}])`, name);
    }
    const actual = tensor.shape;
    if (actual.length !== expected.length || actual.some((size, axis) => size !== expected[axis])) {
      throw new LlmError(
        'tensor_shape_mismatch',
        `tensor "${name}" in ${tensor.file} has shape [${actual.join(', ')}], expected [${expected.join(', ')}]`,
        name,
      );
    }
    const dtype = quantizedTensorDtype(config, name);
    if (dtype === undefined ? tensor.dtype === 'I32' : tensor.dtype !== dtype) {
      const expectedDtype = dtype ?? 'a float dtype (BF16, F16 or F32)';
      throw new LlmError('unknown_dtype', `tensor "${name}" in ${tensor.file} has dtype ${tensor.dtype}, expected ${expectedDtype}`, name);
    }
  }
}
