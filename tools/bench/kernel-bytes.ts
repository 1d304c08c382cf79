/**
 * Bytes each kernel of a decode step must move at minimum (weights, activations, KV), so a
 * measured time becomes achieved GB/s. `context` is the attended length.
 */
import type { ModelConfig } from '../../src/model/config.ts';

export function kernelBytes(op: string, config: ModelConfig, tokens: number, context: number): number {
  const { hiddenSize: h, intermediateSize: i, headDim: d, numHeads: q, numKvHeads: kv, vocabSize: v } = config;
  const qkv = (q + 2 * kv) * d;
  const f32 = 4;
  const f16 = 2;
  const linear = (n: number, k: number, rows: number) => n * Math.ceil(k / 8) * 8 * f16 + rows * (n + k) * f32;
  switch (op) {
    // Pipelined decoding: the previous step's sampled token ids are copied into this step's inputs.
    case 'feedTokens': return tokens * 2 * 4;
    case 'embedding': return tokens * h * (f16 + f32);
    case 'inputNorm': case 'postNorm': return tokens * h * 2 * f32 + h * f16;
    case 'finalNorm': return h * 2 * f32 + h * f16;
    case 'qkv': return linear(qkv, h, tokens) + qkv * f16;
    case 'rope': return tokens * (q + kv) * d * 2 * f32;
    // The KV pools hold f16 (kv-cache.ts): k and v are read as f32 and written as f16.
    case 'kvWrite': return tokens * 2 * kv * d * (f32 + f16);
    case 'attention': return tokens * (q * d * 2 * f32) + context * 2 * kv * d * f16;
    case 'o': return linear(h, q * d, tokens);
    case 'attentionResidual': case 'mlpResidual': return tokens * h * 3 * f32;
    case 'gateUp': return linear(2 * i, h, tokens);
    case 'swiglu': return tokens * 3 * i * f32;
    case 'down': return linear(h, i, tokens);
    case 'sampleGather': return 2 * h * f32;
    case 'lmHead': return linear(v, h, 1);
    // Greedy: the logits are read, copied to scratch once and reduced (about three passes).
    case 'sample': return 3 * v * f32;
    // The four-pass sampler: the chunk pass reads every logit once; the others work on the
    // chunks' candidates (a few kB), so their minimum is counted as the one row of output.
    case 'sample.chunks': return v * f32;
    case 'sample.select': case 'sample.race': case 'sample.finish': return 43 * 4;
    default: throw new Error(`no byte count for ${op}`);
  }
}
