/**
 * Which model shape the engine-level benchmarks time. On a GPU: Qwen2.5-0.5B. On a software
 * adapter a 0.5B step takes many seconds (the LM head alone about 3 s on SwiftShader), so a
 * reduced body — 2 layers, hidden 128 — under the REAL 151,936-token vocabulary, so the LM head
 * and the sampler work on logits as wide as the real model's.
 */
import { parseModelConfig, type ModelConfig } from '../../src/model/config.ts';
import type { GenerationConfig } from '../../src/model/generation-config.ts';
import { qwen25_05b } from './random-model.ts';

export interface BenchShape {
  /** Short name, also the JSON `shape` field's `name`. */
  readonly name: string;
  readonly description: string;
  readonly config: ModelConfig;
  /** Whether this is the real model's shape or a reduced body under its vocabulary. */
  readonly reduced: boolean;
}

export const reducedQwenVocab: ModelConfig = parseModelConfig({
  architectures: ['Qwen2ForCausalLM'],
  hidden_act: 'silu',
  hidden_size: 128,
  intermediate_size: 704,
  max_position_embeddings: 32768,
  num_attention_heads: 2,
  num_hidden_layers: 2,
  num_key_value_heads: 1,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  vocab_size: 151936,
  eos_token_id: 151645,
});

/** Qwen2.5-Instruct's generation_config.json sampling (0.5B through 72B share it). */
export const qwen25Sampling = { temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05 } as const;

export const qwen25GenerationConfig: GenerationConfig = { eosTokenIds: [151645, 151643], ...qwen25Sampling, doSample: true };

const describe = (config: ModelConfig) =>
  `hidden ${config.hiddenSize}, ${config.numLayers} layers, ${config.numHeads}/${config.numKvHeads} heads of ${config.headDim}, ` +
  `intermediate ${config.intermediateSize}, vocab ${config.vocabSize}, f16 weights, random`;

export function benchShape(kind: 'auto' | 'qwen2.5-0.5b' | 'reduced', isSoftware: boolean): BenchShape {
  const reduced = kind === 'reduced' || (kind === 'auto' && isSoftware);
  if (reduced) {
    return {
      name: 'qwen2.5-0.5b-vocab-reduced-body',
      description: `reduced body under Qwen2.5's vocabulary (${describe(reducedQwenVocab)}): a software adapter is too slow for the 0.5B body`,
      config: reducedQwenVocab,
      reduced: true,
    };
  }
  return { name: 'qwen2.5-0.5b', description: `Qwen2.5-0.5B shapes (${describe(qwen25_05b)})`, config: qwen25_05b, reduced: false };
}
