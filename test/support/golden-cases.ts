/**
 * The golden cases the PyTorch reference wrote beside each fixture (tools/fixtures), and one
 * greedy run of a case through `generate` with its first logits, for the model-golden tests.
 */
import { readFileSync } from 'node:fs';
import { generate } from '../../src/engine/generate.ts';
import type { LoadedModel } from '../../src/model/load-model.ts';

export interface GoldenCase {
  readonly prompt_ids: number[];
  readonly greedy_ids: number[];
  /** The reference's first logits with an f32 KV cache (absent in golden-q4.json). */
  readonly first_logits?: number[];
  /** The reference's first logits with keys and values rounded to f16, as the KV cache stores them. */
  readonly first_logits_f16_kv: number[];
  readonly max_tokens: number;
}

export const fixtureDir = (name: string): URL => new URL(`../fixtures/${name}/`, import.meta.url);

/** The file's top-level case and its `cases`, with the file's other top-level fields. */
export function readGolden(name: string, file = 'golden.json'): { cases: GoldenCase[]; fields: Record<string, unknown> } {
  const golden = JSON.parse(readFileSync(new URL(file, fixtureDir(name)), 'utf8')) as GoldenCase & { cases?: GoldenCase[] } & Record<string, unknown>;
  return { cases: [golden, ...(golden.cases ?? [])], fields: golden };
}

/** Greedy tokens (EOS ignored, as the reference ran) and the first step's logits. */
export async function runGoldenCase(model: LoadedModel, golden: GoldenCase): Promise<{ tokens: readonly number[]; logits: Float32Array | number[] }> {
  const result = await generate(model, { promptIds: golden.prompt_ids, maxTokens: golden.max_tokens, ignoreEos: true, returnFirstLogits: true });
  return { tokens: result.completionIds, logits: result.firstLogits! };
}

export function maxAbsDifference(expected: readonly number[], actual: ArrayLike<number>): number {
  return expected.reduce((max, value, i) => Math.max(max, Math.abs(value - actual[i]!)), 0);
}
