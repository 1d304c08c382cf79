/**
 * config.json of Llama-3.2-1B-Instruct and Mistral-7B-Instruct-v0.3 exactly as published, and
 * Mistral's sliding_window as transformers reads it (MistralConfig: absent → 4096, null → none).
 */
import { describe, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfig } from '../../src/model/config.ts';
import { isLlmError, type ErrorCode } from '../../src/errors.ts';

// meta-llama/Llama-3.2-1B-Instruct's config.json, every field as published on the Hub.
const LLAMA32_1B_INSTRUCT = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.45.0.dev0',
  use_cache: true,
  vocab_size: 128256,
};

// mistralai/Mistral-7B-Instruct-v0.3's config.json, every field as published on the Hub.
const MISTRAL_7B_V03 = {
  architectures: ['MistralForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 4096,
  initializer_range: 0.02,
  intermediate_size: 14336,
  max_position_embeddings: 32768,
  model_type: 'mistral',
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_theta: 1000000.0,
  sliding_window: null,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  transformers_version: '4.42.0.dev0',
  use_cache: true,
  vocab_size: 32768,
};

const QWEN25 = {
  architectures: ['Qwen2ForCausalLM'],
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  vocab_size: 151936,
};

function expectError(fn: () => unknown, code: ErrorCode, subject: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isLlmError(caught, code), `expected LlmError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { subject?: string }).subject).toBe(subject);
}

describe('parseModelConfig on Llama 3.2 and Mistral Hub configs', () => {
  it('reads Llama-3.2-1B-Instruct as published', () => {
    expect(parseModelConfig(LLAMA32_1B_INSTRUCT)).toEqual({
      architecture: 'LlamaForCausalLM',
      hiddenSize: 2048,
      intermediateSize: 8192,
      numLayers: 16,
      numHeads: 32,
      numKvHeads: 8,
      headDim: 64,
      rmsNormEps: 1e-5,
      ropeTheta: 500000,
      ropeScaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 },
      vocabSize: 128256,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 131072,
      qkvBias: false,
      qkNorm: false,
      slidingWindow: undefined,
      torchDtype: 'bfloat16',
      bosTokenId: 128000,
      eosTokenIds: [128001, 128008, 128009],
      quantization: undefined,
    } satisfies ModelConfig);
  });

  it('reads Mistral-7B-Instruct-v0.3 as published (sliding_window null: full attention)', () => {
    expect(parseModelConfig(MISTRAL_7B_V03)).toEqual({
      architecture: 'MistralForCausalLM',
      hiddenSize: 4096,
      intermediateSize: 14336,
      numLayers: 32,
      numHeads: 32,
      numKvHeads: 8,
      headDim: 128,
      rmsNormEps: 1e-5,
      ropeTheta: 1e6,
      ropeScaling: { type: 'none' },
      vocabSize: 32768,
      tieWordEmbeddings: false,
      maxPositionEmbeddings: 32768,
      qkvBias: false,
      qkNorm: false,
      slidingWindow: undefined,
      torchDtype: 'bfloat16',
      bosTokenId: 1,
      eosTokenIds: [2],
      quantization: undefined,
    } satisfies ModelConfig);
  });

  it("reads Mistral's sliding_window: a number, null, or absent (transformers' default 4096)", () => {
    expect(parseModelConfig({ ...MISTRAL_7B_V03, sliding_window: 4096 }).slidingWindow).toBe(4096);
    expect(parseModelConfig({ ...MISTRAL_7B_V03, sliding_window: 12 }).slidingWindow).toBe(12);
    const { sliding_window: _window, ...absent } = MISTRAL_7B_V03;
    expect(parseModelConfig(absent).slidingWindow).toBe(4096);
    expect(parseModelConfig({ ...MISTRAL_7B_V03, head_dim: 64 }).headDim).toBe(64);
    for (const bad of [0, -1, 8.5, '4096', true]) {
      expectError(() => parseModelConfig({ ...MISTRAL_7B_V03, sliding_window: bad }), 'invalid_config', 'sliding_window');
    }
    // Mistral has no q/k/v bias; attention_bias would add an o_proj bias too.
    expectError(() => parseModelConfig({ ...MISTRAL_7B_V03, attention_bias: true }), 'unsupported_option', 'attention_bias');
  });

  it('ignores sliding_window where the architecture does not apply it', () => {
    // Llama has no window; Qwen2/Qwen3 apply theirs only with use_sliding_window (refused below).
    expect(parseModelConfig({ ...LLAMA32_1B_INSTRUCT, sliding_window: 16 }).slidingWindow).toBeUndefined();
    expect(parseModelConfig({ ...QWEN25, sliding_window: 32768, max_window_layers: 21 }).slidingWindow).toBeUndefined();
  });

});
