/**
 * Load-time 4-bit quantization (loadModel option quantization 'q4') of the float fixtures against
 * an independent PyTorch reference of the same scheme (tools/fixtures/make_load_q4_goldens.py:
 * quant_reference.py load_time_q4 quantizes every layer Linear, the embedding and the LM head with
 * groups of 32, dequantizes in f32 and runs reference_model.py): 16 greedy tokens identical, for
 * whole and chunked prefill, and first logits within 5e-3 of the reference's f16-KV logits, as in
 * model-golden-q4.test.ts.
 *   qwen2-bf16: BF16, tied embedding (one 4-bit matrix gathered by embedding-q4 and used as LM head)
 *   qwen3-f32: F32, separate lm_head
 * Also: the option is refused for an already quantized checkpoint and for an unknown value.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors.ts';
import { isQ4Matrix } from '../../src/gpu/q4-weights.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import { allocateWeights } from '../../src/model/model-weights.ts';
import { fixtureDir, maxAbsDifference, readGolden, runGoldenCase } from '../support/golden-cases.ts';
import { testGpu } from '../support/gpu-harness.ts';

const fixtures = [
  { name: 'qwen2-bf16', tied: true },
  { name: 'qwen3-f32', tied: false },
];
function goldenCases(name: string) {
  const { cases, fields } = readGolden(name, 'golden-q4.json');
  return { groupSize: fields['group_size'] as number, cases };
}

describe.each(fixtures)('$name quantized to 4 bits at load matches the PyTorch reference', ({ name, tied }) => {
  const models: LoadedModel[] = [];
  afterAll(() => models.forEach((model) => model.dispose()));

  it.each([
    { label: 'whole-prompt prefill', maxNumBatchedTokens: 512 },
    { label: 'prefill in chunks of 5', maxNumBatchedTokens: 5 },
  ])('greedy tokens and first logits ($label)', async ({ maxNumBatchedTokens }) => {
    const gpu = await testGpu();
    const model = await loadModel(gpu, fixtureDir(name).pathname, { maxNumBatchedTokens, quantization: 'q4' });
    models.push(model);
    const { groupSize, cases } = goldenCases(name);
    // Every matrix is 4-bit (Linears, embedding, LM head), with the reference's group size.
    const { weights } = allocateWeights(gpu.device, model.config, { quantizeGroupSize: groupSize });
    try {
      const layer = weights.layers[0]!;
      for (const matrix of [layer.qkv, layer.o, layer.gateUp, layer.down, weights.embed, weights.lmHead]) {
        expect(isQ4Matrix(matrix) && matrix.groupSize === groupSize).toBe(true);
      }
      expect(weights.lmHead === weights.embed).toBe(tied);
    } finally {
      weights.destroy();
    }
    for (const [index, golden] of cases.entries()) {
      const { tokens, logits } = await runGoldenCase(model, golden);
      expect(tokens, `case ${index}`).toEqual(golden.greedy_ids);
      expect(logits.length).toBe(golden.first_logits_f16_kv.length);
      const worst = maxAbsDifference(golden.first_logits_f16_kv, logits);
      console.log(`[${name} q4 at load] case ${index}: max |logit - golden| = ${worst.toExponential(2)} (f16 KV) on ${gpu.adapterName}`);
      expect(worst, `case ${index}`).toBeLessThan(5e-3);
    }
  });
});

describe('quantization option refusals', () => {
  it('refuses q4 for an already quantized (AWQ) checkpoint, naming the option', async () => {
    const gpu = await testGpu();
    const error = await loadModel(gpu, fixtureDir('qwen2-awq').pathname, { quantization: 'q4' }).then(() => undefined, (caught: unknown) => caught);
    expect(isLlmError(error, 'unsupported_option')).toBe(true);
    expect((error as { subject?: string }).subject).toBe('quantization');
    expect((error as Error).message).toMatch(/already awq/);
  });

  it('refuses an unknown quantization value', async () => {
    const gpu = await testGpu();
    const options = { quantization: 'q8' } as unknown as { quantization: 'q4' };
    const error = await loadModel(gpu, fixtureDir('qwen2-bf16').pathname, options).then(() => undefined, (caught: unknown) => caught);
    expect(isLlmError(error, 'unsupported_option')).toBe(true);
    expect((error as Error).message).toMatch(/'q8'|"q8"/);
  });
});
