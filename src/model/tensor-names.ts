/**
 * Every tensor a model needs, with its shape (names and shapes as in model-math.md; Linear
 * weights are [out, in]), and the check that a checkpoint has them all. Extra tensors (lm_head
 * while tied, rotary inv_freq buffers) are ignored.
 */
import { LlmError } from '../errors.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { ModelConfig } from './config.ts';

export function layerPrefix(layer: number): string {
  return `model.layers.${layer}`;
}

export function expectedTensors(config: ModelConfig): Map<string, number[]> {
  const { hiddenSize: hidden, intermediateSize: intermediate, headDim, vocabSize: vocab } = config;
  const qSize = config.numHeads * headDim;
  const kvSize = config.numKvHeads * headDim;
  const tensors = new Map<string, number[]>();

  tensors.set('model.embed_tokens.weight', [vocab, hidden]);
  for (let layer = 0; layer < config.numLayers; layer++) {
    const prefix = layerPrefix(layer);
    tensors.set(`${prefix}.input_layernorm.weight`, [hidden]);
    tensors.set(`${prefix}.self_attn.q_proj.weight`, [qSize, hidden]);
    tensors.set(`${prefix}.self_attn.k_proj.weight`, [kvSize, hidden]);
    tensors.set(`${prefix}.self_attn.v_proj.weight`, [kvSize, hidden]);
    if (config.qkvBias) {
      tensors.set(`${prefix}.self_attn.q_proj.bias`, [qSize]);
      tensors.set(`${prefix}.self_attn.k_proj.bias`, [kvSize]);
      tensors.set(`${prefix}.self_attn.v_proj.bias`, [kvSize]);
    }
    tensors.set(`${prefix}.self_attn.o_proj.weight`, [hidden, qSize]);
    if (config.qkNorm) {
      tensors.set(`${prefix}.self_attn.q_norm.weight`, [headDim]);
      tensors.set(`${prefix}.self_attn.k_norm.weight`, [headDim]);
    }
    tensors.set(`${prefix}.post_attention_layernorm.weight`, [hidden]);
    tensors.set(`${prefix}.mlp.gate_proj.weight`, [intermediate, hidden]);
    tensors.set(`${prefix}.mlp.up_proj.weight`, [intermediate, hidden]);
    tensors.set(`${prefix}.mlp.down_proj.weight`, [hidden, intermediate]);
  }
  tensors.set('model.norm.weight', [hidden]);
  // Tied models reuse embed_tokens as the output projection.
  if (!config.tieWordEmbeddings) tensors.set('lm_head.weight', [vocab, hidden]);
  return tensors;
}

/** Throws 'missing_tensor' or 'tensor_shape_mismatch' for the first tensor that is wrong. */
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
  }
}
