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

  it('accepts a complete checkpoint and the harmless extras: a tied lm_head, rotary inv_freq buffers', () => {
    const shapes = expectedTensors(qwen3);
    shapes.set('lm_head.weight', [50, 24]);
    shapes.set('model.layers.0.self_attn.rotary_emb.inv_freq', [4]);
    shapes.set('model.layers.1.self_attn.rotary_emb.inv_freq', [4]);
    shapes.set('model.rotary_emb.inv_freq', [4]);
    expect(() => validateCheckpoint(qwen3, checkpointOf(shapes))).not.toThrow();
  });

  function unexpected(model: ModelConfig, shapes: Map<string, number[]>): { code: string; subject: string; message: string } {
    try {
      validateCheckpoint(model, checkpointOf(shapes));
    } catch (error) {
      return error as { code: string; subject: string; message: string };
    }
    throw new Error('validateCheckpoint accepted the checkpoint');
  }

  it.each([
    ['a layer beyond num_hidden_layers', 'model.layers.2.mlp.up_proj.weight', [40, 24], 'beyond num_hidden_layers 2'],
    ['an inv_freq buffer of a layer beyond them', 'model.layers.7.self_attn.rotary_emb.inv_freq', [4], 'layer 7'],
    ['an unknown name', 'model.layers.0.mlp.experts.0.weight', [40, 24], 'Qwen3ForCausalLM'],
    ['a bias the architecture has not', 'model.layers.1.self_attn.o_proj.bias', [24], 'no quantization_config'],
    ['4-bit tensors in a float checkpoint', 'model.layers.0.self_attn.q_proj.qweight', [3, 32], 'no quantization_config'],
    ['a tied lm_head in another shape', 'lm_head.weight', [51, 24], 'vocab_size 50'],
  ])('refuses %s as unexpected_tensor naming it and its file', (_, name, shape, why) => {
    const shapes = expectedTensors(qwen3);
    shapes.set(name, shape);
    const error = unexpected(qwen3, shapes);
    expect(error).toMatchObject({ code: 'unexpected_tensor', subject: name });
    expect(error.message).toContain(name);
    expect(error.message).toContain('model.safetensors');
    expect(error.message).toContain(why);
  });

  it('a missing tensor is reported before an unexpected one (config.json with fewer layers than its checkpoint names the first extra layer)', () => {
    const fourLayers = expectedTensors(config('Qwen3ForCausalLM', { tie_word_embeddings: true, num_hidden_layers: 4 }));
    expect(unexpected(qwen3, fourLayers)).toMatchObject({ code: 'unexpected_tensor', subject: expect.stringMatching(/^model\.layers\.2\./) });
    const twoLayers = expectedTensors(qwen3);
    const error = unexpected(config('Qwen3ForCausalLM', { tie_word_embeddings: true, num_hidden_layers: 3 }), twoLayers);
    expect(error).toMatchObject({ code: 'missing_tensor', subject: expect.stringMatching(/^model\.layers\.2\./) });
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

describe('quantized checkpoints (model-math.md, "4-bit checkpoints")', () => {
  // G 8 divides hidden 24 (3 groups), q 32 (4) and intermediate 40 (5): every group count differs.
  const awq = config('Qwen2ForCausalLM', { quantization_config: { quant_method: 'awq', bits: 4, group_size: 8, zero_point: true, version: 'gemm' } });
  const gptq = config('Qwen3ForCausalLM', { quantization_config: { quant_method: 'gptq', bits: 4, group_size: 8, desc_act: true, sym: false } });
  const linears = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'];

  /** Every tensor in its published dtype: I32 packed integers, F16 scales, BF16 floats. */
  function quantizedCheckpoint(model: ModelConfig, shapes: Map<string, number[]>, dtypes: Record<string, string> = {}): Checkpoint {
    const tensors = new Map<string, TensorInfo>();
    for (const [name, shape] of shapes) {
      const suffix = name.slice(name.lastIndexOf('.') + 1);
      const dtype = dtypes[name] ?? (suffix === 'scales' ? 'F16' : ['qweight', 'qzeros', 'g_idx'].includes(suffix) ? 'I32' : 'BF16');
      tensors.set(name, { name, dtype: dtype as TensorInfo['dtype'], shape, file: 'model.safetensors', data: new Uint8Array(0) });
    }
    expect(model.quantization).toBeDefined();
    return { tensors, files: ['model.safetensors'] };
  }

  function refusal(model: ModelConfig, checkpoint: Checkpoint): { code: string; subject: string; message: string } {
    try {
      validateCheckpoint(model, checkpoint);
    } catch (error) {
      return error as { code: string; subject: string; message: string };
    }
    throw new Error('validateCheckpoint accepted the checkpoint');
  }

  it('AWQ gemm: qweight [in, out/8], qzeros [in/G, out/8], scales [in/G, out] instead of .weight; biases, norms, embedding stay', () => {
    const tensors = expectedTensors(awq);
    for (const linear of linears) {
      expect(tensors.has(`model.layers.1.${linear}.weight`), linear).toBe(false);
      expect(tensors.has(`model.layers.1.${linear}.g_idx`), linear).toBe(false);
    }
    expect(tensors.get('model.layers.1.self_attn.q_proj.qweight')).toEqual([24, 4]);
    expect(tensors.get('model.layers.1.self_attn.q_proj.qzeros')).toEqual([3, 4]);
    expect(tensors.get('model.layers.1.self_attn.q_proj.scales')).toEqual([3, 32]);
    expect(tensors.get('model.layers.1.self_attn.k_proj.qweight')).toEqual([24, 2]);
    expect(tensors.get('model.layers.1.self_attn.o_proj.qweight')).toEqual([32, 3]);
    expect(tensors.get('model.layers.1.self_attn.o_proj.scales')).toEqual([4, 24]);
    expect(tensors.get('model.layers.1.mlp.down_proj.qweight')).toEqual([40, 3]);
    expect(tensors.get('model.layers.1.mlp.down_proj.qzeros')).toEqual([5, 3]);
    expect(tensors.get('model.layers.1.mlp.up_proj.scales')).toEqual([3, 40]);
    expect(tensors.get('model.layers.1.self_attn.q_proj.bias')).toEqual([32]);
    expect(tensors.get('model.embed_tokens.weight')).toEqual([50, 24]);
    expect(tensors.get('model.layers.1.input_layernorm.weight')).toEqual([24]);
    expect(tensors.get('lm_head.weight')).toEqual([50, 24]);
    expect(tensors.size).toBe(2 + 2 * (2 + 3 + 7 * 3) + 1);
  });

  it('GPTQ: qweight [in/8, out], qzeros [groups, out/8], scales [groups, out], g_idx [in]; group_size -1 is one group', () => {
    const tensors = expectedTensors(gptq);
    expect(tensors.get('model.layers.0.self_attn.q_proj.qweight')).toEqual([3, 32]);
    expect(tensors.get('model.layers.0.self_attn.q_proj.qzeros')).toEqual([3, 4]);
    expect(tensors.get('model.layers.0.self_attn.q_proj.scales')).toEqual([3, 32]);
    expect(tensors.get('model.layers.0.self_attn.q_proj.g_idx')).toEqual([24]);
    expect(tensors.get('model.layers.0.mlp.down_proj.qweight')).toEqual([5, 24]);
    expect(tensors.get('model.layers.0.mlp.down_proj.g_idx')).toEqual([40]);
    expect(tensors.get('model.layers.0.self_attn.q_norm.weight')).toEqual([8]);
    expect(tensors.has('model.layers.0.mlp.down_proj.weight')).toBe(false);
    const whole = config('Qwen3ForCausalLM', { quantization_config: { quant_method: 'gptq', bits: 4, group_size: -1, desc_act: false, sym: true } });
    expect(expectedTensors(whole).get('model.layers.0.mlp.down_proj.qzeros')).toEqual([1, 3]);
    expect(expectedTensors(whole).get('model.layers.0.mlp.down_proj.scales')).toEqual([1, 24]);
  });

  it('accepts a complete quantized checkpoint in the published dtypes', () => {
    expect(() => validateCheckpoint(awq, quantizedCheckpoint(awq, expectedTensors(awq)))).not.toThrow();
    expect(() => validateCheckpoint(gptq, quantizedCheckpoint(gptq, expectedTensors(gptq)))).not.toThrow();
  });

  it.each([
    ['an AWQ g_idx (GPTQ only)', 'awq', 'model.layers.0.self_attn.q_proj.g_idx', [24]],
    ['a float .weight beside the 4-bit tensors', 'gptq', 'model.layers.1.mlp.down_proj.weight', [24, 40]],
  ])('refuses %s as unexpected_tensor: extras are fine only where quantization_config accounts for them', (_, method, name, shape) => {
    const model = method === 'awq' ? awq : gptq;
    const shapes = expectedTensors(model);
    shapes.set(name, shape);
    const error = refusal(model, quantizedCheckpoint(model, shapes));
    expect(error).toMatchObject({ code: 'unexpected_tensor', subject: name });
    expect(error.message).toContain(`quantization_config ${method}`);
  });

  it('names a transposed qweight, a missing g_idx, a float .weight in place of qweight', () => {
    const transposed = expectedTensors(awq);
    transposed.set('model.layers.0.mlp.gate_proj.qweight', [5, 24]);
    expect(refusal(awq, quantizedCheckpoint(awq, transposed))).toMatchObject({ code: 'tensor_shape_mismatch', subject: 'model.layers.0.mlp.gate_proj.qweight' });
    const noGroups = expectedTensors(gptq);
    noGroups.delete('model.layers.1.self_attn.v_proj.g_idx');
    expect(refusal(gptq, quantizedCheckpoint(gptq, noGroups))).toMatchObject({ code: 'missing_tensor', subject: 'model.layers.1.self_attn.v_proj.g_idx' });
    const unquantized = expectedTensors(gptq);
    for (const part of ['qweight', 'qzeros', 'scales', 'g_idx']) unquantized.delete(`model.layers.0.self_attn.o_proj.${part}`);
    unquantized.set('model.layers.0.self_attn.o_proj.weight', [24, 32]);
    expect(refusal(gptq, quantizedCheckpoint(gptq, unquantized))).toMatchObject({ code: 'missing_tensor', subject: 'model.layers.0.self_attn.o_proj.qweight' });
  });

  it.each([
    ['model.layers.0.self_attn.q_proj.qweight', 'F32', 'I32'],
    ['model.layers.1.mlp.up_proj.qzeros', 'F16', 'I32'],
    ['model.layers.0.self_attn.k_proj.scales', 'I32', 'F16'],
    ['model.layers.0.self_attn.k_proj.scales', 'BF16', 'F16'],
    ['model.norm.weight', 'I32', 'float'],
  ])('names %s stored as %s (expected %s) as unknown_dtype', (name, dtype, expected) => {
    const error = refusal(awq, quantizedCheckpoint(awq, expectedTensors(awq), { [name]: dtype }));
    expect(error).toMatchObject({ code: 'unknown_dtype', subject: name });
    expect(error.message).toContain(dtype);
    expect(error.message).toContain(expected);
  });

  it('refuses an I32 tensor where an unquantized model wants floats', () => {
    const plain = config('Qwen3ForCausalLM');
    const error = refusal(plain, quantizedCheckpoint(awq, expectedTensors(plain), { 'model.layers.0.mlp.up_proj.weight': 'I32' }));
    expect(error).toMatchObject({ code: 'unknown_dtype', subject: 'model.layers.0.mlp.up_proj.weight' });
  });
});
