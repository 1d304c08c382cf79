/**
 * 4-bit checkpoints in exact Hub layout (tools/fixtures/make_quantized_fixtures.py) loaded through
 * loadModel, against the independent PyTorch dequantize-then-forward reference, with the checks of
 * model-golden.test.ts: 16 greedy tokens identical, for whole and chunked prefill, and first
 * logits within 5e-3 of the reference's f16-KV logits (`first_logits_f16_kv`; the KV cache holds
 * f16 keys and values, see model-golden.test.ts for why 5e-3). The reference dequantizes in f32
 * from the f16 scales, as the kernels do, so no extra tolerance is taken for the 4-bit weights.
 *   qwen2-awq: AWQ gemm, G 32, interleaved nibbles, tied embedding
 *   qwen2-gptq-act-order: GPTQ v1 asym, desc_act with a different g_idx for q, k, v and for
 *     gate, up (fused matrices with a groupIndex per part), 2 shards, separate lm_head
 *   qwen3-gptq-sym: GPTQ v1 sym, desc_act false (g_idx = k / G)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isQ4Matrix } from '../../src/gpu/q4-weights.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import { allocateWeights } from '../../src/model/model-weights.ts';
import { fixtureDir, maxAbsDifference, readGolden, runGoldenCase } from '../support/golden-cases.ts';
import { testGpu } from '../support/gpu-harness.ts';

const fixtures = [
  { name: 'qwen2-awq', method: 'awq', actOrder: false },
  { name: 'qwen2-gptq-act-order', method: 'gptq', actOrder: true },
  { name: 'qwen3-gptq-sym', method: 'gptq', actOrder: false },
];

describe.each(fixtures)('$name (4-bit) matches the PyTorch reference', ({ name, method, actOrder }) => {
  const models: LoadedModel[] = [];
  afterAll(() => models.forEach((model) => model.dispose()));

  it.each([
    { label: 'whole-prompt prefill', maxNumBatchedTokens: 512 },
    { label: 'prefill in chunks of 5', maxNumBatchedTokens: 5 },
  ])('greedy tokens and first logits ($label)', async ({ maxNumBatchedTokens }) => {
    const gpu = await testGpu();
    const model = await loadModel(gpu, fixtureDir(name).pathname, { maxNumBatchedTokens });
    models.push(model);
    // The Linears really are 4-bit (not dequantized to f16 at load), with a groupIndex per part when act-order.
    expect(model.config.quantization?.method).toBe(method);
    const { weights } = allocateWeights(gpu.device, model.config);
    try {
      for (const [matrix, parts] of [[weights.layers[0]!.qkv, 3], [weights.layers[0]!.gateUp, 2], [weights.layers[0]!.down, 1]] as const) {
        expect(isQ4Matrix(matrix)).toBe(true);
        const groupIndices = new Set(isQ4Matrix(matrix) ? matrix.chunks.map((chunk) => chunk.groupIndex) : []);
        expect(groupIndices.size).toBe(actOrder ? parts : 1);
        expect(groupIndices.has(undefined)).toBe(!actOrder);
      }
      expect(isQ4Matrix(weights.embed)).toBe(false);
    } finally {
      weights.destroy();
    }
    for (const [index, golden] of readGolden(name).cases.entries()) {
      const { tokens, logits } = await runGoldenCase(model, golden);
      expect(tokens, `case ${index}`).toEqual(golden.greedy_ids);
      expect(logits.length).toBe(golden.first_logits_f16_kv.length);
      const worst = maxAbsDifference(golden.first_logits_f16_kv, logits);
      console.log(`[${name}] case ${index}: max |logit - golden| = ${worst.toExponential(2)} (f16 KV) on ${gpu.adapterName}`);
      expect(worst, `case ${index}`).toBeLessThan(5e-3);
    }
  });
});
