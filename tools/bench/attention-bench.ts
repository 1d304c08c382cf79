/**
 * Attention kernels alone at Qwen2.5-0.5B shapes (14 query heads, 2 KV heads, head_dim 64; or
 * --shape 1.5b: 12/2, 128), random f16 KV: each variant's time for decode rows at a long context
 * and for one prompt chunk after it, on whatever adapter is present.
 *   npx tsx --import ./tools/register-wgsl.mjs tools/bench/attention-bench.ts [--context 4096]
 *     [--decode-rows 1,8] [--chunk 32] [--shape 0.5b|1.5b] [--repeats N] [--rounds R] [--variants serial,workgroup,split]
 *     [--workgroup-bytes B] (caps the split kernels' workgroup memory, so their chunk sizes)
 * Also prints each variant's pipeline-creation time (shader compilation dominates on CPU adapters).
 */
import { parseArgs } from 'node:util';
import { awaitGpu } from '../../src/gpu/await-gpu.ts';
import { getDevice } from '../../src/gpu/device.ts';
import { StepUniforms, type KernelCall } from '../../src/gpu/kernel.ts';
import type { AttentionShape } from '../../src/gpu/kernels/attention-shape.ts';
import { PagedAttentionKernel } from '../../src/gpu/kernels/paged-attention.ts';
import { SplitAttention } from '../../src/gpu/kernels/split-attention.ts';
import { timeCall } from './gpu-timing.ts';

const { values } = parseArgs({
  options: {
    context: { type: 'string', default: '4096' },
    'decode-rows': { type: 'string', default: '1,8' },
    chunk: { type: 'string', default: '32' },
    shape: { type: 'string', default: '0.5b' },
    repeats: { type: 'string' },
    rounds: { type: 'string' },
    variants: { type: 'string', default: 'serial,workgroup,split' },
    'workgroup-bytes': { type: 'string' },
  },
});
const shapes: Record<string, AttentionShape> = {
  '0.5b': { headDim: 64, numHeads: 14, numKvHeads: 2, blockSize: 16 },
  '1.5b': { headDim: 128, numHeads: 12, numKvHeads: 2, blockSize: 16 },
};
const shape = shapes[values.shape]!;
const context = Number(values.context);
const chunk = Number(values.chunk);
const decodeRows = values['decode-rows'].split(',').map(Number);
const maxSeqs = Math.max(...decodeRows, 1);
const maxTokens = Math.max(chunk, maxSeqs);
const maxBlocksPerSeq = Math.ceil((context + chunk) / shape.blockSize);

const gpu = await getDevice();
const { device } = gpu;
const repeats = Number(values.repeats ?? (gpu.isSoftware ? 1 : 50));
const rounds = Number(values.rounds ?? (gpu.isSoftware ? 3 : 1));
const storage = (bytes: number, label: string) => device.createBuffer({ label, size: Math.max(16, bytes), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
const width = (shape.numHeads + 2 * shape.numKvHeads) * shape.headDim;
// Every sequence gets its own blocks; keys and values are random halves in [-1, 1].
const blocks = maxSeqs * maxBlocksPerSeq;
const poolWords = (blocks * shape.numKvHeads * shape.blockSize * shape.headDim) / 2;
const kPool = storage(poolWords * 4, 'bench.k');
const vPool = storage(poolWords * 4, 'bench.v');
const words = new Uint32Array(poolWords);
for (const pool of [kPool, vPool]) {
  for (let i = 0; i < poolWords; i++) words[i] = randomHalf() | (randomHalf() << 16);
  device.queue.writeBuffer(pool, 0, words);
}
const qkv = storage(maxTokens * width * 4, 'bench.qkv');
device.queue.writeBuffer(qkv, 0, Float32Array.from({ length: maxTokens * width }, () => Math.random() * 2 - 1));
const blockTables = storage(blocks * 4, 'bench.blockTables');
device.queue.writeBuffer(blockTables, 0, Uint32Array.from({ length: blocks }, (_, i) => i));
const positions = storage(maxTokens * 4, 'bench.positions');
const tokenSeq = storage(maxTokens * 4, 'bench.tokenSeq');
const out = storage(maxTokens * shape.numHeads * shape.headDim * 4, 'bench.out');
const uniforms = new StepUniforms(device);
const rows = { uniforms, count: 'tokens' as const };
const limits = { maxTokens, maxSeqs, maxBlocksPerSeq };
const workgroupBytes = Number(values['workgroup-bytes'] ?? device.limits.maxComputeWorkgroupStorageSize);
const buffers = { qkv, kPool, vPool, positions, tokenSeq, blockTables, out };
console.log(`adapter: ${gpu.adapterName}${gpu.isSoftware ? ' (software)' : ''}`);
console.log(`shape: ${shape.numHeads} q heads, ${shape.numKvHeads} kv heads, head_dim ${shape.headDim}`);
let split: SplitAttention | undefined;
const builders: Record<string, [string, () => KernelCall]> = {
  serial: ['paged, serial (CPU kernel)', () => new PagedAttentionKernel(device, shape, maxBlocksPerSeq, true).bind(rows, buffers)],
  workgroup: ['paged, workgroup per head', () => new PagedAttentionKernel(device, shape, maxBlocksPerSeq, false).bind(rows, buffers)],
  split: ['split (flash-decoding / tiles)', () => (split = new SplitAttention(device, shape, limits, workgroupBytes)).bind(buffers)],
};
const variants: Array<[string, KernelCall]> = [];
for (const key of values.variants.split(',')) {
  const [name, build] = builders[key]!;
  const start = performance.now();
  const call = build();
  await awaitGpu(device.queue.onSubmittedWorkDone());
  console.log(`  ${name.padEnd(32)} pipelines created in ${(performance.now() - start).toFixed(0)} ms`);
  variants.push([name, call]);
}
if (split !== undefined) console.log(`split: ${JSON.stringify(split.work.split)}`);
const steps = [
  ...decodeRows.map((count) => ({ what: `${count} decode row${count > 1 ? 's' : ''}, context ${context}`, seqs: Array.from({ length: count }, (_, s) => s), first: context - 1, perSeq: 1 })),
  { what: `one chunk of ${chunk} rows after ${context} keys`, seqs: [0], first: context, perSeq: chunk },
];
for (const step of steps) {
  const tokenSeqs = step.seqs.flatMap((seq) => Array.from({ length: step.perSeq }, () => seq));
  const stepPositions = step.seqs.flatMap(() => Array.from({ length: step.perSeq }, (_, i) => step.first + i));
  device.queue.writeBuffer(positions, 0, Uint32Array.from(stepPositions));
  device.queue.writeBuffer(tokenSeq, 0, Uint32Array.from(tokenSeqs));
  const tokens = stepPositions.length;
  uniforms.write({ tokens, sampleRows: 0 });
  split?.work.write({ positions: stepPositions, tokenSeq: tokenSeqs });
  console.log(`\n${step.what}`);
  // Rounds alternate the variants and keep each one's best: other load on the machine only slows.
  const best = variants.map(() => Infinity);
  for (let round = 0; round < rounds; round++) {
    for (const [i, [, call]] of variants.entries()) best[i] = Math.min(best[i]!, await timeCall(device, call, { tokens, sampleRows: 0 }, repeats));
  }
  for (const [i, [name]] of variants.entries()) {
    const seconds = best[i]!;
    const kvBytes = step.seqs.length * (step.first + step.perSeq) * 2 * shape.numKvHeads * shape.headDim * 2;
    console.log(`  ${name.padEnd(32)} ${(seconds * 1e3).toFixed(2).padStart(9)} ms  ${(kvBytes / seconds / 1e9).toFixed(2).padStart(7)} GB/s of KV`);
  }
}
process.exit(0);

/** A random f16 in [-1, 1] (exponent ≤ 14), as its bit pattern. */
function randomHalf(): number {
  return (Math.random() < 0.5 ? 0x8000 : 0) | (Math.floor(Math.random() * 15) << 10) | Math.floor(Math.random() * 1024);
}
