/**
 * Whole-model runs in Node against golden outputs of the independent PyTorch reference
 * (tools/fixtures): 16 greedy tokens identical, first-position logits within 1e-3 absolute,
 * for every fixture and every golden case — including a prompt prefilled in several chunks.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/model/generate.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import { testGpu } from '../support/gpu-harness.ts';

interface GoldenCase {
  readonly prompt_ids: number[];
  readonly greedy_ids: number[];
  readonly first_logits: number[];
  readonly max_tokens: number;
}

const fixtures = ['qwen2-bf16', 'qwen3-f32', 'llama-f16-sharded'];
const fixtureDir = (name: string) => new URL(`../fixtures/${name}/`, import.meta.url);

function goldenCases(name: string): GoldenCase[] {
  const golden = JSON.parse(readFileSync(new URL('golden.json', fixtureDir(name)), 'utf8')) as GoldenCase & { cases?: GoldenCase[] };
  return [golden, ...(golden.cases ?? [])];
}

describe.each(fixtures)('%s matches the PyTorch reference', (name) => {
  const models: LoadedModel[] = [];
  afterAll(() => models.forEach((model) => model.dispose()));

  it.each([
    { label: 'whole-prompt prefill', maxNumBatchedTokens: 512 },
    { label: 'prefill in chunks of 5', maxNumBatchedTokens: 5 },
  ])('greedy tokens and first logits ($label)', async ({ maxNumBatchedTokens }) => {
    const gpu = await testGpu();
    const model = await loadModel(gpu, fixtureDir(name).pathname, { maxNumBatchedTokens });
    models.push(model);
    for (const [index, golden] of goldenCases(name).entries()) {
      const result = await generate(model, {
        promptIds: golden.prompt_ids,
        maxTokens: golden.max_tokens,
        ignoreEos: true,
        returnFirstLogits: true,
      });
      expect(result.completionIds, `case ${index}`).toEqual(golden.greedy_ids);
      const logits = result.firstLogits!;
      expect(logits.length).toBe(golden.first_logits.length);
      let worst = 0;
      golden.first_logits.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - logits[i]!))));
      console.log(`[${name}] case ${index}: max |logit - golden| = ${worst.toExponential(2)} on ${gpu.adapterName}`);
      expect(worst, `case ${index}`).toBeLessThan(1e-3);
    }
  });
});
