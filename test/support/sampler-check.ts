/**
 * One sampled row of the GPU sampler's output against the CPU reference (sampler-reference.ts):
 * the id (unless the reference reports a near tie), that it is allowed and kept, its raw logprob,
 * and the top logprobs' ids (exact) and values.
 */
import { expect } from 'vitest';
import type { SamplerRow } from '../../src/gpu/kernels/sampler-row.ts';
import type { SamplerOutput } from '../../src/gpu/kernels/sampler.ts';
import { maxAbsDiff } from './gpu-harness.ts';
import { logSoftmaxRef, maskAllowsRef, sampleRef, topLogprobsRef } from './sampler-reference.ts';

/** Logprobs within 1e-5 absolute: f32 log-sum-exp over logits of magnitude ≤ 20. */
export const logprobTolerance = 1e-5;

/** Checks row r of `got` against the reference; returns the near-tie reason when its id is not compared. */
export function checkRow(got: SamplerOutput, r: number, raw: Float32Array, row: SamplerRow, where: string): string | undefined {
  const ref = sampleRef(raw, row);
  const id = got.tokenIds[r]!;
  if (ref.nearTie === undefined) expect(id, where).toBe(ref.tokenId);
  expect(id, where).toBeLessThan(raw.length);
  expect(maskAllowsRef(row, id), `${where}: masked token ${id}`).toBe(true);
  if (ref.probs !== undefined && ref.nearTie === undefined) expect(ref.probs[id], `${where}: kept`).toBeGreaterThan(0);
  const logprobs = logSoftmaxRef(raw);
  expect(Math.abs(got.logprobs[r]! - logprobs[id]!), `${where}: logprob`).toBeLessThan(logprobTolerance);
  const top = topLogprobsRef(raw, row.numLogprobs);
  expect(got.top[r]!.ids, `${where}: top ids`).toEqual(top.ids);
  expect(maxAbsDiff(got.top[r]!.logprobs, top.logprobs), `${where}: top logprobs`).toBeLessThan(logprobTolerance);
  return ref.nearTie;
}
