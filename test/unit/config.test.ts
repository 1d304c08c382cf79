import { describe, it, expect } from 'vitest';
import { parseModelConfig, ropeInverseFrequencies, type ModelConfig } from '../../src/model/config.ts';
import { isLlmError, type ErrorCode } from '../../src/errors.ts';

// Qwen2.5-0.5B-Instruct's config.json (trimmed of fields we do not read).
const QWEN25 = {
  architectures: ['Qwen2ForCausalLM'],
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_sliding_window: false,
  vocab_size: 151936,
  bos_token_id: 151643,
  eos_token_id: 151645,
};

const QWEN3 = {
  ...QWEN25,
  architectures: ['Qwen3ForCausalLM'],
  hidden_size: 1024,
  intermediate_size: 3072,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  num_hidden_layers: 28,
  head_dim: 128,
  attention_bias: false,
};

const LLAMA3 = {
  architectures: ['LlamaForCausalLM'],
  hidden_size: 2048,
  intermediate_size: 8192,
  num_hidden_layers: 16,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_theta: 500000.0,
  rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  vocab_size: 128256,
  max_position_embeddings: 131072,
  tie_word_embeddings: true,
  eos_token_id: [128001, 128008, 128009],
  bos_token_id: 128000,
};

function expectError(fn: () => unknown, code: ErrorCode, subject?: string, messagePart?: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isLlmError(caught, code), `expected LlmError ${code}, got ${String(caught)}`).toBe(true);
  const error = caught as { subject?: string; message: string };
  if (subject !== undefined) expect(error.subject).toBe(subject);
  if (messagePart !== undefined) expect(error.message).toContain(messagePart);
}

describe('parseModelConfig', () => {
  it('reads Qwen2.5 with its defaults (q/k/v bias, head_dim from hidden/heads)', () => {
    const config = parseModelConfig(QWEN25);
    expect(config).toEqual({
      architecture: 'Qwen2ForCausalLM',
      hiddenSize: 896,
      intermediateSize: 4864,
      numLayers: 24,
      numHeads: 14,
      numKvHeads: 2,
      headDim: 64,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      ropeScaling: { type: 'none' },
      vocabSize: 151936,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 32768,
      qkvBias: true,
      qkNorm: false,
      slidingWindow: undefined,
      torchDtype: 'bfloat16',
      bosTokenId: 151643,
      eosTokenIds: [151645],
      quantization: undefined,
    } satisfies ModelConfig);
  });

  it('reads quantization_config into quantization, refusing what it cannot load by field', () => {
    const awq = { quant_method: 'awq', bits: 4, group_size: 128, zero_point: true, version: 'gemm' };
    expect(parseModelConfig({ ...QWEN25, quantization_config: awq }).quantization).toEqual({ method: 'awq', bits: 4, groupSize: 128 });
    const gptq = { quant_method: 'gptq', bits: 4, group_size: 32, desc_act: true, sym: false, checkpoint_format: 'gptq' };
    expect(parseModelConfig({ ...QWEN25, quantization_config: gptq }).quantization).toEqual({ method: 'gptq', bits: 4, groupSize: 32, descAct: true, sym: false });
    let refusal: unknown;
    try {
      parseModelConfig({ ...QWEN25, quantization_config: { ...gptq, bits: 8 } });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'unsupported_option', subject: 'quantization_config.bits' });
  });

  it('reads Qwen3: explicit head_dim differing from hidden/heads, q/k norm, no bias', () => {
    const config = parseModelConfig(QWEN3);
    expect(config.headDim).toBe(128);
    expect(config.qkNorm).toBe(true);
    expect(config.qkvBias).toBe(false);
  });

  it('reads Llama 3 with llama3 rope scaling and an eos list', () => {
    const config = parseModelConfig(LLAMA3);
    expect(config.ropeScaling).toEqual({
      type: 'llama3',
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    expect(config.eosTokenIds).toEqual([128001, 128008, 128009]);
    expect(config.qkvBias).toBe(false);
    expect(config.qkNorm).toBe(false);
  });

  it('applies HF defaults for optional fields', () => {
    const { num_key_value_heads: _kv, rope_theta: _theta, tie_word_embeddings: _tie, hidden_act: _act, ...rest } = QWEN25;
    const { eos_token_id: _eos, bos_token_id: _bos, torch_dtype: _dtype, ...bare } = rest;
    const config = parseModelConfig(bare);
    expect(config.numKvHeads).toBe(14);
    expect(config.ropeTheta).toBe(10000);
    expect(config.tieWordEmbeddings).toBe(false);
    expect(config.eosTokenIds).toEqual([]);
    expect(config.bosTokenId).toBeUndefined();
    expect(config.torchDtype).toBeUndefined();
  });

  it('accepts rope_scaling under "type" or "rope_type", and "default" as none', () => {
    expect(parseModelConfig({ ...QWEN25, rope_scaling: { type: 'linear', factor: 2 } }).ropeScaling).toEqual({ type: 'linear', factor: 2 });
    expect(parseModelConfig({ ...QWEN25, rope_scaling: { rope_type: 'linear', factor: 4 } }).ropeScaling).toEqual({ type: 'linear', factor: 4 });
    expect(parseModelConfig({ ...QWEN25, rope_scaling: { rope_type: 'default' } }).ropeScaling).toEqual({ type: 'none' });
    expect(parseModelConfig({ ...QWEN25, rope_scaling: { type: 'none' } }).ropeScaling).toEqual({ type: 'none' });
  });

  it('reads transformers 5 rope_parameters', () => {
    const { rope_theta: _theta, rope_scaling: _scaling, ...rest } = QWEN25;
    const config = parseModelConfig({ ...rest, rope_parameters: { rope_type: 'linear', factor: 2, rope_theta: 5e5 } });
    expect(config.ropeTheta).toBe(5e5);
    expect(config.ropeScaling).toEqual({ type: 'linear', factor: 2 });
  });

  it('names an unknown architecture', () => {
    expectError(() => parseModelConfig({ ...QWEN25, architectures: ['MixtralForCausalLM'] }), 'unsupported_architecture', 'MixtralForCausalLM', 'MixtralForCausalLM');
  });

  it('takes the first of several architectures', () => {
    expect(parseModelConfig({ ...QWEN25, architectures: ['LlamaForCausalLM', 'Other'] }).architecture).toBe('LlamaForCausalLM');
  });

  it.each(['yarn', 'dynamic', 'longrope', 'su'])('refuses rope_scaling %s, naming it', (kind) => {
    expectError(() => parseModelConfig({ ...QWEN25, rope_scaling: { rope_type: kind, factor: 4 } }), 'unsupported_option', kind, kind);
  });

  it('refuses attention_bias (it would also add an o_proj bias) and mlp_bias', () => {
    expectError(() => parseModelConfig({ ...QWEN3, attention_bias: true }), 'unsupported_option', 'attention_bias');
    expectError(() => parseModelConfig({ ...LLAMA3, attention_bias: true }), 'unsupported_option', 'attention_bias');
    expectError(() => parseModelConfig({ ...LLAMA3, mlp_bias: true }), 'unsupported_option', 'mlp_bias');
    // Qwen2's q/k/v bias does not depend on attention_bias, and it has no o_proj bias.
    expect(parseModelConfig({ ...QWEN25, attention_bias: true }).qkvBias).toBe(true);
    expect(parseModelConfig({ ...LLAMA3, attention_bias: false, mlp_bias: false }).qkvBias).toBe(false);
  });

  it('refuses hidden_act other than silu and sliding-window attention', () => {
    expectError(() => parseModelConfig({ ...QWEN25, hidden_act: 'gelu' }), 'unsupported_option', 'hidden_act', 'gelu');
    expectError(() => parseModelConfig({ ...QWEN25, use_sliding_window: true }), 'unsupported_option', 'use_sliding_window');
    expectError(() => parseModelConfig({ ...QWEN3, use_sliding_window: true, sliding_window: 4096 }), 'unsupported_option', 'use_sliding_window');
  });

  it.each([
    'hidden_size',
    'intermediate_size',
    'num_hidden_layers',
    'num_attention_heads',
    'rms_norm_eps',
    'vocab_size',
    'max_position_embeddings',
  ])('names a missing %s', (field) => {
    const broken: Record<string, unknown> = { ...QWEN25 };
    delete broken[field];
    expectError(() => parseModelConfig(broken), 'invalid_config', field, field);
  });

  it.each([
    ['hidden_size', 896.5],
    ['num_hidden_layers', 0],
    ['num_attention_heads', -14],
    ['vocab_size', '151936'],
    ['rms_norm_eps', 0],
    ['tie_word_embeddings', 'yes'],
    ['eos_token_id', 'eos'],
    ['eos_token_id', [1, -2]],
    ['bos_token_id', 1.5],
    ['architectures', 'Qwen2ForCausalLM'],
    ['architectures', []],
  ])('names a bad %s (%j)', (field, value) => {
    expectError(() => parseModelConfig({ ...QWEN25, [field]: value }), 'invalid_config', field);
  });

  it('checks head divisibility and head_dim', () => {
    expectError(() => parseModelConfig({ ...QWEN25, num_key_value_heads: 3 }), 'invalid_config', 'num_key_value_heads');
    expectError(() => parseModelConfig({ ...QWEN25, hidden_size: 900 }), 'invalid_config', 'head_dim');
    expectError(() => parseModelConfig({ ...QWEN25, head_dim: 63 }), 'invalid_config', 'head_dim');
    // hidden 14 / 14 heads = head_dim 1: odd, rope needs pairs.
    expectError(() => parseModelConfig({ ...QWEN25, hidden_size: 14 }), 'invalid_config', 'head_dim');
  });

  it('checks rope_scaling fields', () => {
    expectError(() => parseModelConfig({ ...QWEN25, rope_scaling: { rope_type: 'linear' } }), 'invalid_config', 'rope_scaling.factor');
    const { low_freq_factor: _low, ...noLow } = LLAMA3.rope_scaling;
    expectError(() => parseModelConfig({ ...LLAMA3, rope_scaling: noLow }), 'invalid_config', 'rope_scaling.low_freq_factor');
    expectError(() => parseModelConfig({ ...QWEN25, rope_scaling: 'linear' }), 'invalid_config', 'rope_scaling');
  });

  it('names the file when the document is not an object', () => {
    expectError(() => parseModelConfig([1, 2], 'my/config.json'), 'invalid_config', 'my/config.json');
  });
});

/**
 * Reference: transformers' rope init on float32 tensors, step by step. Every tensor op rounds
 * to f32 (fround) and python scalars are cast to f32; `scalar / tensor` is reciprocal · scalar.
 *   inv_freq = 1 / theta ** (arange(0, d, 2).float() / d)
 */
const f32 = Math.fround;
function defaultInverseFrequencies(theta: number, headDim: number): number[] {
  const out: number[] = [];
  for (let index = 0; index < headDim; index += 2) {
    const exponent = f32(f32(index) / f32(headDim));
    const power = f32(f32(theta) ** exponent);
    out.push(f32(1 / power));
  }
  return out;
}

function expectClose(actual: Float32Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => {
    const relative = Math.abs((actual[i] as number) - value) / Math.abs(value);
    expect(relative, `index ${i}: ${actual[i]} vs ${value}`).toBeLessThanOrEqual(1e-7);
  });
}

describe('ropeInverseFrequencies', () => {
  it('is 1/theta^(2i/d) without scaling', () => {
    const config = parseModelConfig(QWEN3);
    const actual = ropeInverseFrequencies(config);
    expect(actual.length).toBe(64);
    expect(actual[0]).toBe(1);
    expectClose(actual, defaultInverseFrequencies(1e6, 128));
    // Sanity against plain f64 arithmetic: f32 rounding in the exponent costs at most ~1e-6.
    actual.forEach((value, i) => expect(Math.abs(value - 1e6 ** (-(2 * i) / 128)) / value).toBeLessThan(2e-6));
  });

  it('divides by the factor for linear scaling', () => {
    const config = parseModelConfig({ ...QWEN25, rope_theta: 10000, rope_scaling: { type: 'linear', factor: 4 } });
    const expected = defaultInverseFrequencies(10000, 64).map((f) => f32(f / f32(4)));
    expectClose(ropeInverseFrequencies(config), expected);
  });

  it('follows the llama3 piecewise rule (model-math.md)', () => {
    // Llama 3.2-1B: theta 500000, head_dim 64, factor 32, low 1, high 4, L 8192.
    const config = parseModelConfig(LLAMA3);
    const factor = 32;
    const low = 1;
    const high = 4;
    const context = 8192;
    const lowFreqWavelength = context / low; // 8192: longer waves are divided by the factor
    const highFreqWavelength = context / high; // 2048: shorter waves are kept
    const expected = defaultInverseFrequencies(500000, 64).map((frequency) => {
      const wavelength = f32(f32(1 / frequency) * f32(2 * Math.PI)); // 2π / f
      if (wavelength < f32(highFreqWavelength)) return frequency;
      if (wavelength > f32(lowFreqWavelength)) return f32(frequency / f32(factor));
      const ratio = f32(f32(1 / wavelength) * f32(context)); // L / wavelen
      const smooth = f32(f32(ratio - f32(low)) / f32(high - low));
      const dividedPart = f32(f32(f32(1 - smooth) * frequency) / f32(factor));
      return f32(dividedPart + f32(smooth * frequency));
    });
    const actual = ropeInverseFrequencies(config);
    expectClose(actual, expected);
    // All three regimes occur for these numbers.
    const kept = expected.filter((f, i) => f === defaultInverseFrequencies(500000, 64)[i]).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(32);
    expect(actual[31]).toBeCloseTo(defaultInverseFrequencies(500000, 64)[31]! / 32, 12);
    const medium = expected.filter((f, i) => {
      const original = defaultInverseFrequencies(500000, 64)[i]!;
      return f !== original && f !== f32(original / 32);
    });
    expect(medium.length).toBeGreaterThan(0);
  });
});
