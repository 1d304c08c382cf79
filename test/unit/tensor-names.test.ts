import { describe, it, expect } from 'vitest';
import { parseModelConfig, type ModelConfig } from '../../src/model/config.ts';
import { expectedTensors, validateCheckpoint } from '../../src/model/tensor-names.ts';
import type { Checkpoint } from '../../src/model/checkpoint.ts';
import type { TensorInfo } from '../../src/model/safetensors.ts';
import { isLlmError } from '../../src/errors.ts';

// A tiny config with every size distinct so a swapped axis cannot pass: hidden 24, heads 4 of
// head_dim 8 (q 32), kv heads 2 (kv 16), intermediate 40, vocab 50.
const BASE = {
  hidden_size: 24,
  intermediate_size: 40,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 8,
  rms_norm_eps: 1e-6,
  vocab_size: 50,
  max_position_embeddings: 128,
};

function config(architecture: string, extra: Record<string, unknown> = {}): ModelConfig {
  return parseModelConfig({ ...BASE, architectures: [architecture], ...extra });
}

function checkpointOf(shapes: Map<string, number[]>): Checkpoint {
  const tensors = new Map<string, TensorInfo>();
  for (const [name, shape] of shapes) tensors.set(name, { name, dtype: 'F16', shape, file: 'model.safetensors', data: new Uint8Array(0) });
  return { tensors, files: ['model.safetensors'] };
}

describe('expectedTensors', () => {
  it('lists Qwen2 tensors with q/k/v bias, tied (no lm_head)', () => {
    const tensors = expectedTensors(config('Qwen2ForCausalLM', { tie_word_embeddings: true }));
    expect(tensors.size).toBe(1 + 2 * 12 + 1);
    expect(tensors.get('model.embed_tokens.weight')).toEqual([50, 24]);
    expect(tensors.get('model.layers.1.input_layernorm.weight')).toEqual([24]);
    expect(tensors.get('model.layers.1.self_attn.q_proj.weight')).toEqual([32, 24]);
    expect(tensors.get('model.layers.1.self_attn.q_proj.bias')).toEqual([32]);
    expect(tensors.get('model.layers.1.self_attn.k_proj.weight')).toEqual([16, 24]);
    expect(tensors.get('model.layers.1.self_attn.k_proj.bias')).toEqual([16]);
    expect(tensors.get('model.layers.1.self_attn.v_proj.weight')).toEqual([16, 24]);
    expect(tensors.get('model.layers.1.self_attn.v_proj.bias')).toEqual([16]);
    expect(tensors.get('model.layers.1.self_attn.o_proj.weight')).toEqual([24, 32]);
    expect(tensors.has('model.layers.1.self_attn.o_proj.bias')).toBe(false);
    expect(tensors.get('model.layers.1.post_attention_layernorm.weight')).toEqual([24]);
    expect(tensors.get('model.layers.1.mlp.gate_proj.weight')).toEqual([40, 24]);
    expect(tensors.get('model.layers.1.mlp.up_proj.weight')).toEqual([40, 24]);
    expect(tensors.get('model.layers.1.mlp.down_proj.weight')).toEqual([24, 40]);
    expect(tensors.get('model.norm.weight')).toEqual([24]);
    expect(tensors.has('lm_head.weight')).toBe(false);
    expect(tensors.has('model.layers.2.input_layernorm.weight')).toBe(false);
  });

  it('lists Qwen3 q/k norms and no bias', () => {
    const tensors = expectedTensors(config('Qwen3ForCausalLM'));
    expect(tensors.get('model.layers.0.self_attn.q_norm.weight')).toEqual([8]);
    expect(tensors.get('model.layers.0.self_attn.k_norm.weight')).toEqual([8]);
    expect(tensors.has('model.layers.0.self_attn.q_proj.bias')).toBe(false);
    expect(tensors.get('lm_head.weight')).toEqual([50, 24]); // tie_word_embeddings defaults to false
  });

  it('lists no Llama bias', () => {
    expect(expectedTensors(config('LlamaForCausalLM')).has('model.layers.0.self_attn.k_proj.bias')).toBe(false);
  });
});

describe('validateCheckpoint', () => {
  const qwen3 = config('Qwen3ForCausalLM', { tie_word_embeddings: true });

  it('accepts a complete checkpoint and ignores extra tensors', () => {
    const shapes = expectedTensors(qwen3);
    shapes.set('lm_head.weight', [50, 24]);
    shapes.set('model.layers.0.self_attn.rotary_emb.inv_freq', [4]);
    expect(() => validateCheckpoint(qwen3, checkpointOf(shapes))).not.toThrow();
  });

  it('names a missing tensor', () => {
    const shapes = expectedTensors(qwen3);
    shapes.delete('model.layers.1.self_attn.k_norm.weight');
    let caught: unknown;
    try {
      validateCheckpoint(qwen3, checkpointOf(shapes));
    } catch (error) {
      caught = error;
    }
    expect(isLlmError(caught, 'missing_tensor')).toBe(true);
    expect((caught as { subject: string }).subject).toBe('model.layers.1.self_attn.k_norm.weight');
  });

  it.each([
    ['model.layers.0.mlp.down_proj.weight', [40, 24]], // transposed
    ['model.norm.weight', [24, 1]], // extra axis
    ['model.embed_tokens.weight', [49, 24]], // wrong vocab
  ])('names a wrong shape of %s with expected and actual', (name, wrong) => {
    const shapes = expectedTensors(qwen3);
    const expected = shapes.get(name)!;
    shapes.set(name, wrong);
    let caught: unknown;
    try {
      validateCheckpoint(qwen3, checkpointOf(shapes));
    } catch (error) {
      caught = error;
    }
    expect(isLlmError(caught, 'tensor_shape_mismatch')).toBe(true);
    const { subject, message } = caught as { subject: string; message: string };
    expect(subject).toBe(name);
    expect(message).toContain(`[${wrong.join(', ')}]`);
    expect(message).toContain(`[${expected.join(', ')}]`);
  });
});
