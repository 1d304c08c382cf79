/**
 * Every tensor a model needs, with its shape (names and shapes as in model-math.md; Linear
 * weights are [out, in]), and the check that a checkpoint has them all and nothing else the
 * config does not account for: a layer beyond num_hidden_layers, a `.weight` beside a 4-bit
 * Linear's integer tensors or an unknown name means config.json describes another model.
 * Two kinds of extra tensor are harmless and skipped, as transformers skips them: lm_head while
 * tied (some exports save the tied copy; transformers overwrites it with embed_tokens) and rotary
 * `inv_freq` buffers (older exports persisted them; the frequencies come from config.json).
 * In a 4-bit checkpoint each layer Linear is its published integer tensors instead of `.weight`
 * (quantizedLinearTensors); every other tensor is a float tensor as before.
 */
import { LlmError } from '../errors.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { ModelConfig } from './config.ts';
import type { Quantization } from './quantization-config.ts';
import { printable } from '../printable-text.ts';
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

/**
 * Throws 'missing_tensor', 'tensor_shape_mismatch' or 'unknown_dtype' for the first tensor that is
 * wrong, then 'unexpected_tensor' for the first one the config does not account for.
 */
export function validateCheckpoint(config: ModelConfig, checkpoint: Checkpoint): void {
  const expectedShapes = expectedTensors(config);
  checkExpected(config, checkpoint, expectedShapes);
  for (const [name, tensor] of checkpoint.tensors) {
    if (expectedShapes.has(name) || isHarmlessExtra(config, name, tensor.shape)) continue;
    throw new LlmError('unexpected_tensor', `tensor "${printable(name)}" in ${tensor.file} is not part of the model config.json describes: ${whyUnexpected(config, name)}`, name);
  }
}

const rotaryBuffer = /^model\.(?:layers\.(\d+)\.self_attn\.)?rotary_emb\.inv_freq$/;
const layerTensor = /^model\.layers\.(\d+)\./;

/** lm_head.weight of a tied model in the embedding's shape; a rotary inv_freq buffer of a layer the model has. */
function isHarmlessExtra(config: ModelConfig, name: string, shape: readonly number[]): boolean {
  if (name === 'lm_head.weight') return config.tieWordEmbeddings && shape.length === 2 && shape[0] === config.vocabSize && shape[1] === config.hiddenSize;
  const rotary = rotaryBuffer.exec(name);
  return rotary !== null && (rotary[1] === undefined || Number(rotary[1]) < config.numLayers);
}

function whyUnexpected(config: ModelConfig, name: string): string {
  const layer = layerTensor.exec(name);
  if (layer !== null && Number(layer[1]) >= config.numLayers) {
    return `layer ${layer[1]} is beyond num_hidden_layers ${config.numLayers}`;
  }
  if (name === 'lm_head.weight') return `a tied copy of the embedding must be [vocab_size ${config.vocabSize}, hidden_size ${config.hiddenSize}]`;
  const quantization = config.quantization === undefined ? 'no quantization_config' : `quantization_config ${config.quantization.method}`;
  return `no tensor of that name belongs to ${config.architecture} with ${quantization}`;
}

function checkExpected(config: ModelConfig, checkpoint: Checkpoint, expectedShapes: ReadonlyMap<string, number[]>): void {
  for (const [name, expected] of expectedShapes) {
    const tensor = checkpoint.tensors.get(name);
    if (tensor === undefined) {
      throw new LlmError('missing_tensor', `no tensor "${name}" in ${checkpoint.files.join(', ')} (expected shape [${expected.join(', ')}])`, name);
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
