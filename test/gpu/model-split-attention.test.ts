/**
 * The forward pass with the split attention kernels (flash-decoding rows and prompt-chunk tiles,
 * routed per step: what GPUs run; CPU adapters default to the serial kernel) against the PyTorch
 * golden outputs, with every other kernel as the adapter picks it. Two sequences share each step:
 * step 1 prefills the first part of prompt A and all of prompt B but its last token; step 2 runs
 * the rest of A (a chunk at a nonzero position) beside B's last token (a decode row), sampling
 * both. Each one's logits must be within 5e-3 of the reference's f16-KV first logits (the
 * tolerance of model-golden.test.ts) and its token the reference's first greedy token.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import type { StepBatch } from '../../src/model/step-batch.ts';
import { fixtureDir, maxAbsDifference, readGolden } from '../support/golden-cases.ts';
import { testGpu } from '../support/gpu-harness.ts';

/** Rows for prompt positions [from, to) of the sequence in block-table row `seq`, blocks from `firstBlock`. */
function rows(promptIds: readonly number[], from: number, to: number, seq: number, firstBlock: number, blockSize: number) {
  const positions = Array.from({ length: to - from }, (_, i) => from + i);
  return {
    tokenIds: positions.map((p) => promptIds[p]!),
    positions,
    slotMapping: positions.map((p) => (firstBlock + Math.floor(p / blockSize)) * blockSize + (p % blockSize)),
    tokenSeq: positions.map(() => seq),
  };
}

function batch(parts: ReturnType<typeof rows>[], blockTables: Uint32Array<ArrayBuffer>, sampleRows: number[]): StepBatch {
  return {
    tokenIds: parts.flatMap((part) => part.tokenIds),
    positions: parts.flatMap((part) => part.positions),
    slotMapping: parts.flatMap((part) => part.slotMapping),
    tokenSeq: parts.flatMap((part) => part.tokenSeq),
    blockTables,
    sampleRows,
  };
}

describe.each(['qwen2-bf16', 'qwen3-f32', 'llama-f16-sharded', 'llama3.2-tied', 'mistral-sliding'])('%s with split attention', (name) => {
  let model: LoadedModel | undefined;
  afterAll(() => model?.dispose());

  it('a prompt chunk beside a decode row gives the reference first logits for both', async () => {
    const gpu = await testGpu();
    model = await loadModel(gpu, fixtureDir(name).pathname, { kernelTarget: { splitAttention: true }, maxNumSeqs: 4 });
    const { runner, kvCache } = model;
    const { blockSize } = kvCache;
    const [a, b] = readGolden(name).cases;
    const { maxBlocksPerSeq } = runner.limits;
    // A's blocks from 0, B's after them; each step's table rows are (A, B).
    const blocksB = Math.ceil(a!.prompt_ids.length / blockSize);
    const blockTables = new Uint32Array(2 * maxBlocksPerSeq);
    for (let i = 0; i < maxBlocksPerSeq; i++) {
      blockTables[i] = i;
      blockTables[maxBlocksPerSeq + i] = blocksB + i;
    }
    const split = 9;
    const lengthA = a!.prompt_ids.length;
    const lengthB = b!.prompt_ids.length;
    await runner.step(batch([
      rows(a!.prompt_ids, 0, split, 0, 0, blockSize),
      rows(b!.prompt_ids, 0, lengthB - 1, 1, blocksB, blockSize),
    ], blockTables, []));
    const output = await runner.step(batch([
      rows(a!.prompt_ids, split, lengthA, 0, 0, blockSize),
      rows(b!.prompt_ids, lengthB - 1, lengthB, 1, blocksB, blockSize),
    ], blockTables, [lengthA - split - 1, lengthA - split]), { readLogits: true });
    const vocab = model.config.vocabSize;
    for (const [row, golden] of [a!, b!].entries()) {
      const logits = output.logits!.subarray(row * vocab, (row + 1) * vocab);
      const error = maxAbsDifference(golden.first_logits_f16_kv, logits);
      console.log(`[${name}, split attention] ${row === 0 ? 'chunk' : 'decode row'}: max |logit - golden| = ${error.toExponential(2)} (f16 KV) on ${gpu.adapterName}`);
      expect(error).toBeLessThan(5e-3);
      expect(output.tokenIds[row]).toBe(golden.greedy_ids[0]);
    }
  });
});
