/**
 * The split attention kernels (flash-decoding partition + reduce passes, query-tiled prefill)
 * against the CPU reference: mixed batches of decode rows and prompt chunks over several
 * sequences with scattered block tables, contexts from 1 key to 4,096, GQA groups 1 to 16,
 * head_dim 64, 128 and other multiples of 8, block sizes that partitions end inside, a decode
 * list too small for the step's decode rows (the rest become one-row tiles), and sliding windows.
 */
import { describe, expect, it } from 'vitest';
import type { AttentionShape } from '../../src/gpu/kernels/attention-shape.ts';
import { SplitAttention } from '../../src/gpu/kernels/split-attention.ts';
import { maxAbsDiff, readFloats, runCalls, storageBuffer, testGpu } from '../support/gpu-harness.ts';
import { pagedAttentionRef, randomPagedKv } from '../support/paged-kv.ts';
import { Random } from '../support/random.ts';

/** One sequence's rows in the step: `rows` consecutive positions ending at `length` − 1. */
interface SeqRows {
  readonly length: number;
  readonly rows: number;
}

interface Options {
  /** Decode rows the step's list holds (maxSeqs); default: one per sequence. */
  readonly maxSeqs?: number;
  readonly workgroupBytes?: number;
  /** Block-table width; default: the longest sequence's blocks. Fixed, it keeps the pipelines. */
  readonly maxBlocks?: number;
}

async function runCase(random: Random, shape: AttentionShape, seqs: readonly SeqRows[], options: Options = {}) {
  const { device } = await testGpu();
  const { headDim, numHeads, numKvHeads } = shape;
  const kv = randomPagedKv(random, shape, seqs.map((seq) => seq.length), options.maxBlocks);
  const tokenSeq: number[] = [];
  const positions: number[] = [];
  seqs.forEach(({ length, rows }, seq) => {
    for (let p = length - rows; p < length; p++) {
      tokenSeq.push(seq);
      positions.push(p);
    }
  });
  const tokens = positions.length;
  const width = (numHeads + 2 * numKvHeads) * headDim;
  const qkv = random.floats(tokens * width, 2);
  const out = storageBuffer(device, tokens * numHeads * headDim * 4);
  const limits = { maxTokens: tokens, maxSeqs: options.maxSeqs ?? seqs.length, maxBlocksPerSeq: kv.maxBlocks };
  const attention = new SplitAttention(device, shape, limits, options.workgroupBytes);
  attention.work.write({ positions, tokenSeq });
  const call = attention.bind({
    qkv: storageBuffer(device, qkv),
    kPool: storageBuffer(device, kv.kPool),
    vPool: storageBuffer(device, kv.vPool),
    blockTables: storageBuffer(device, kv.blockTables),
    out,
  });
  await runCalls(device, [call], { tokens, sampleRows: 0 });
  const actual = await readFloats(device, out, tokens * numHeads * headDim);
  const error = maxAbsDiff(actual, pagedAttentionRef(kv, qkv, tokenSeq, positions));
  const { plan, split } = attention.work;
  attention.work.destroy();
  return { error, plan, split };
}

// The prompt chunk's context is shorter at head_dim 128: tiles walk their whole context on one
// SwiftShader thread each, and 4,096 keys there is seconds.
const gqa7 = [
  { shape: { headDim: 64, numHeads: 14, numKvHeads: 2, blockSize: 16 }, chunk: { length: 4001, rows: 11 } },
  { shape: { headDim: 128, numHeads: 7, numKvHeads: 1, blockSize: 16 }, chunk: { length: 1203, rows: 11 } },
];

describe('split attention matches the CPU reference', () => {
  // Outputs are convex combinations of f16 values in [-1, 1] and the reference reads the same
  // f16 keys and values, so only f32 arithmetic differs: 1.2e-7 at 4,096 keys on SwiftShader.
  const tolerance = 1e-5;

  it.each(gqa7)('4,096 keys, GQA 7, head_dim $shape.headDim: decode rows across partitions, a chunk, a 1-key context', async ({ shape, chunk }) => {
    const random = new Random(shape.headDim);
    const { error, plan } = await runCase(random, shape, [
      { length: 4096, rows: 1 },
      chunk,
      { length: 1, rows: 1 },
      { length: 4093, rows: 1 },
    ]);
    console.log(`4,096 keys, head_dim ${shape.headDim}: max |out - reference| = ${error.toExponential(2)}`);
    expect(plan).toMatchObject({ decodeCount: 3, partitions: 16 });
    expect(plan.tileCount).toBeGreaterThan(1);
    expect(error).toBeLessThan(tolerance);
  });

  it('random shapes and mixed batches', async () => {
    const random = new Random(31);
    const covered = { multiPartition: 0, soleDecode: 0, tiles: 0, tileOverflow: 0 };
    // Few shapes, several batches each: every shape compiles its pipelines once (seconds on
    // SwiftShader), every batch is cheap.
    for (let c = 0; c < 4; c++) {
      const numKvHeads = random.int(1, 3);
      const group = [[1, 2], [7, 4], [8, 16]][c % 3]![random.int(0, 1)]!;
      const headDim = c === 0 ? 8 * random.int(1, 4) : c === 1 ? 8 * random.int(5, 32) : random.pick([64, 128]);
      const shape = { headDim, numHeads: numKvHeads * group, numKvHeads, blockSize: random.pick([16, 8, 12, 24]) };
      const longest = 700;
      const options = { workgroupBytes: random.pick([16384, 8192, 32768]), maxBlocks: Math.ceil(longest / shape.blockSize) };
      for (let batch = 0; batch < 3; batch++) {
        const seqs = Array.from({ length: random.int(1, 4) }, () => {
          const length = random.int(1, batch === 0 ? longest : 90);
          return { length, rows: random.next() < 0.5 ? 1 : random.int(1, Math.min(length, 20)) };
        });
        const decodeRows = seqs.filter((seq) => seq.rows === 1).length;
        const maxSeqs = random.int(Math.max(1, decodeRows - 1), seqs.length);
        const { error, plan, split } = await runCase(random, shape, seqs, { ...options, maxSeqs });
        covered.multiPartition += plan.partitions > 1 ? 1 : 0;
        covered.soleDecode += plan.decodeCount > 0 && plan.partitions === 1 ? 1 : 0;
        covered.tiles += plan.tileCount > 0 ? 1 : 0;
        covered.tileOverflow += plan.decodeCount < decodeRows ? 1 : 0;
        expect(error, `shape ${c} batch ${batch} ${JSON.stringify({ shape, seqs, maxSeqs, split })}`).toBeLessThan(tolerance);
      }
    }
    console.log(`cases with: ${JSON.stringify(covered)}`);
    for (const count of Object.values(covered)) expect(count).toBeGreaterThan(0);
  });

  // A window smaller than a partition, one spanning several partitions (first key inside a block
  // and inside a partition), one equal to a sequence and one past every sequence; each batch has
  // decode rows past and within the window, and prompt chunks whose tiles straddle its edge.
  it.each([
    { window: 5, shape: { headDim: 64, numHeads: 14, numKvHeads: 2, blockSize: 16 } },
    { window: 300, shape: { headDim: 64, numHeads: 14, numKvHeads: 2, blockSize: 16 } },
    { window: 90, shape: { headDim: 32, numHeads: 4, numKvHeads: 4, blockSize: 12 } },
    { window: 2000, shape: { headDim: 128, numHeads: 8, numKvHeads: 1, blockSize: 16 } },
  ])('sliding window $window, GQA $shape.numHeads/$shape.numKvHeads', async ({ window, shape }) => {
    const random = new Random(window);
    const windowed = { ...shape, slidingWindow: window };
    const seqs = [
      { length: 900, rows: 1 },
      { length: 700, rows: 40 },
      { length: 90, rows: 1 },
      { length: 3, rows: 3 },
      { length: 1, rows: 1 },
      { length: window + 1, rows: 1 },
    ];
    const { error, plan, split } = await runCase(random, windowed, seqs, { maxBlocks: Math.ceil(2001 / shape.blockSize), workgroupBytes: 8192 });
    console.log(`sliding window ${window}: max |out - reference| = ${error.toExponential(2)} (${JSON.stringify(plan)}, partition ${split.partition})`);
    // Decode rows cover only their window's keys: the widest is the (window + 1)-key row's.
    expect(plan.partitions).toBe(Math.ceil(window / split.partition));
    expect(error).toBeLessThan(tolerance);
  });
});
