/**
 * RoPE (with and without Qwen3 q/k norm), the paged KV write and paged attention against CPU
 * references, on random shapes: head_dim 64, 128 and odd sizes; GQA ratios 1, 2 and 7; several
 * sequences with scattered block tables; contexts longer than one attention chunk; sliding
 * windows (Mistral). The KV pools hold f16 pairs packed two per u32, as the model's KV cache does.
 */
import { describe, expect, it } from 'vitest';
import type { AttentionShape } from '../../src/gpu/kernels/attention-shape.ts';
import { KvWriteKernel } from '../../src/gpu/kernels/kv-write.ts';
import { PagedAttentionKernel } from '../../src/gpu/kernels/paged-attention.ts';
import { RopeKernel } from '../../src/gpu/kernels/rope.ts';
import { createPackedVector } from '../../src/gpu/packed-weights.ts';
import { f16Round, f16Ulp, rmsNormRef, ropeRef } from '../support/cpu-reference.ts';
import { maxAbsDiff, readBuffer, readFloats, runCalls, stepUniforms, storageBuffer, testGpu } from '../support/gpu-harness.ts';
import { pagedAttentionRef, randomPagedKv, shuffle } from '../support/paged-kv.ts';
import { Random, halvesToFloats } from '../support/random.ts';

const shapes = 24;

function randomShape(random: Random, c: number): AttentionShape {
  // Any even head_dim; 4i + 2 ones exercise the serial kernel's partial last quad.
  const headDim = c % 3 === 0 ? 64 : c % 3 === 1 ? 128 : c % 6 === 2 ? 4 * random.int(0, 23) + 2 : 2 * random.int(1, 48);
  const ratio = [1, 2, 7][c % 3]!;
  const numKvHeads = random.int(1, 3);
  return { headDim, numHeads: numKvHeads * ratio, numKvHeads, blockSize: random.pick([16, 16, 8]) };
}

describe('attention-side kernels match their CPU references', () => {
  it('rope (rotate-half), with and without q/k norm, leaves v alone', async () => {
    const { device } = await testGpu();
    const random = new Random(21);
    for (let c = 0; c < shapes; c++) {
      const shape = randomShape(random, c);
      const { headDim, numHeads, numKvHeads } = shape;
      const width = (numHeads + 2 * numKvHeads) * headDim;
      const tokens = random.int(1, 12);
      const qkNorm = c % 2 === 1;
      const qkv = random.floats(tokens * width, 2);
      const positions = Array.from({ length: tokens }, () => random.int(0, 5000));
      const theta = random.pick([10000, 1000000]);
      const invFreq = Float32Array.from({ length: headDim / 2 }, (_, i) => 1 / theta ** ((2 * i) / headDim));
      const normHalves = random.halves(2 * headDim, -2, 1);
      const qkvBuffer = storageBuffer(device, qkv);
      const counts = { tokens, sampleRows: 0 };
      const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
      const kernel = new RopeKernel(device, shape, qkNorm ? 1e-6 : undefined);
      await runCalls(device, [kernel.bind(rows, qkvBuffer, storageBuffer(device, Uint32Array.from(positions)), storageBuffer(device, invFreq), createPackedVector(device, [normHalves], 'norm'))], counts);
      const norm = halvesToFloats(normHalves);
      const expected = Float64Array.from(qkv);
      for (let t = 0; t < tokens; t++) {
        for (let h = 0; h < numHeads + numKvHeads; h++) {
          const start = t * width + h * headDim;
          let head: ArrayLike<number> = qkv.subarray(start, start + headDim);
          if (qkNorm) head = rmsNormRef(head, 1, headDim, norm.subarray(h < numHeads ? 0 : headDim, h < numHeads ? headDim : 2 * headDim), 1e-6);
          expected.set(ropeRef(head, positions[t]!, invFreq), start);
        }
      }
      // Angles up to 5000 rad: computed as f32(position · f) like PyTorch; the kernel's sin/cos
      // are accurate to ~1e-7, so values |x| ≤ 8 stay within 1e-5.
      expect(maxAbsDiff(await readFloats(device, qkvBuffer, tokens * width), expected), `case ${c} ${JSON.stringify(shape)} norm ${qkNorm}`).toBeLessThan(1e-5);
    }
  });

  it('kv write puts each token at its slot in f16 and skips padding', async () => {
    const { device } = await testGpu();
    const random = new Random(22);
    let nearest = 0;
    let total = 0;
    for (let c = 0; c < shapes; c++) {
      const shape = randomShape(random, c);
      const { headDim, numHeads, numKvHeads, blockSize } = shape;
      const width = (numHeads + 2 * numKvHeads) * headDim;
      const numBlocks = random.int(2, 6);
      const tokens = random.int(1, Math.min(20, numBlocks * blockSize));
      const slots = shuffle(random, Array.from({ length: numBlocks * blockSize }, (_, i) => i)).slice(0, tokens);
      if (tokens > 2) slots[1] = 0xffffffff;
      const qkv = random.floats(tokens * width);
      const poolLength = numBlocks * numKvHeads * blockSize * headDim;
      const kPool = storageBuffer(device, new Uint16Array(poolLength));
      const vPool = storageBuffer(device, new Uint16Array(poolLength));
      const counts = { tokens, sampleRows: 0 };
      const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
      await runCalls(device, [new KvWriteKernel(device, shape).bind(rows, storageBuffer(device, qkv), storageBuffer(device, Uint32Array.from(slots)), kPool, vPool)], counts);
      const expectedK = new Float32Array(poolLength);
      const expectedV = new Float32Array(poolLength);
      slots.forEach((slot, t) => {
        if (slot === 0xffffffff) return;
        for (let h = 0; h < numKvHeads; h++) {
          for (let d = 0; d < headDim; d++) {
            const at = ((Math.floor(slot / blockSize) * numKvHeads + h) * blockSize + (slot % blockSize)) * headDim + d;
            expectedK[at] = qkv[t * width + (numHeads + h) * headDim + d]!;
            expectedV[at] = qkv[t * width + (numHeads + numKvHeads + h) * headDim + d]!;
          }
        }
      });
      // WGSL lets pack2x16float round an inexact f32 to either neighbouring f16, so each stored
      // half must lie within one f16 ulp of its input (round-to-nearest gives ≤ 0.5 ulp);
      // untouched and padding slots stay exactly 0.
      for (const [pool, expected, name] of [[kPool, expectedK, 'k'], [vPool, expectedV, 'v']] as const) {
        const stored = halvesToFloats(new Uint16Array(await readBuffer(device, pool, poolLength * 2)));
        let worstUlps = 0;
        stored.forEach((value, i) => (worstUlps = Math.max(worstUlps, Math.abs(value - expected[i]!) / f16Ulp(expected[i]!))));
        expect(worstUlps, `${name} case ${c}`).toBeLessThan(1);
        const written = Array.from(expected.keys()).filter((i) => expected[i] !== 0);
        nearest += written.filter((i) => stored[i] === f16Round(expected[i]!)).length;
        total += written.length;
      }
    }
    console.log(`kv write: ${nearest} of ${total} written halves are the round-to-nearest-even f16`);
  });

  it.each([
    { variant: 'workgroup per token and head', serial: false },
    { variant: 'serial, for CPU adapters', serial: true },
  ])('paged attention over several sequences with scattered blocks ($variant)', async ({ serial }) => {
    const { device } = await testGpu();
    const random = new Random(23);
    for (let c = 0; c < shapes; c++) {
      const shape = randomShape(random, c);
      const { headDim, numHeads, numKvHeads } = shape;
      const width = (numHeads + 2 * numKvHeads) * headDim;
      const numSeqs = random.int(1, 3);
      const lengths = Array.from({ length: numSeqs }, () => random.int(1, c % 4 === 0 ? 150 : 40));
      const kv = randomPagedKv(random, shape, lengths);
      // Each sequence queries its last few positions (a prompt chunk, or one decode token).
      const tokenSeq: number[] = [];
      const positions: number[] = [];
      lengths.forEach((length, seq) => {
        const queried = random.int(1, Math.min(length, 6));
        for (let p = length - queried; p < length; p++) {
          tokenSeq.push(seq);
          positions.push(p);
        }
      });
      const tokens = positions.length;
      const qkv = random.floats(tokens * width, 2);
      const out = storageBuffer(device, tokens * numHeads * headDim * 4);
      const counts = { tokens, sampleRows: 0 };
      const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
      const kernel = new PagedAttentionKernel(device, shape, kv.maxBlocks, serial);
      await runCalls(device, [kernel.bind(rows, {
        qkv: storageBuffer(device, qkv),
        kPool: storageBuffer(device, kv.kPool),
        vPool: storageBuffer(device, kv.vPool),
        positions: storageBuffer(device, Uint32Array.from(positions)),
        tokenSeq: storageBuffer(device, Uint32Array.from(tokenSeq)),
        blockTables: storageBuffer(device, kv.blockTables),
        out,
      })], counts);
      const expected = pagedAttentionRef(kv, qkv, tokenSeq, positions);
      // The reference reads the same f16-rounded keys and values the pools hold, so only the f32
      // arithmetic differs: outputs are convex combinations of values in [-1, 1]; f32 softmax
      // keeps ~1e-6 error. (Against the unrounded f32 keys and values the gap is ~1e-4: this fails.)
      const label = `case ${c} ${JSON.stringify(shape)} lengths ${lengths}`;
      expect(maxAbsDiff(await readFloats(device, out, tokens * numHeads * headDim), expected), label).toBeLessThan(1e-5);
    }
  });

  it.each([
    { variant: 'workgroup per token and head', serial: false },
    { variant: 'serial, for CPU adapters', serial: true },
  ])('paged attention with a sliding window smaller than, equal to and larger than the sequence ($variant)', async ({ serial }) => {
    const { device } = await testGpu();
    const random = new Random(24);
    const covered = { inside: 0, cut: 0 };
    for (let c = 0; c < 12; c++) {
      const base = randomShape(random, c);
      const { headDim, numHeads, numKvHeads } = base;
      const width = (numHeads + 2 * numKvHeads) * headDim;
      const lengths = Array.from({ length: random.int(1, 3) }, () => random.int(1, c % 4 === 0 ? 150 : 40));
      const longest = Math.max(...lengths);
      // Smaller than the sequence (down to 1 key), exactly the longest one, or past it.
      const slidingWindow = [random.int(1, Math.min(longest, 20)), longest, longest + random.int(1, 80)][c % 3]!;
      const shape = { ...base, slidingWindow };
      const kv = randomPagedKv(random, shape, lengths);
      // Each sequence queries a run of its last positions: rows before and past the window's edge.
      const tokenSeq: number[] = [];
      const positions: number[] = [];
      lengths.forEach((length, seq) => {
        for (let p = length - random.int(1, Math.min(length, 12)); p < length; p++) {
          tokenSeq.push(seq);
          positions.push(p);
          covered[p >= slidingWindow ? 'cut' : 'inside']++;
        }
      });
      const tokens = positions.length;
      const qkv = random.floats(tokens * width, 2);
      const out = storageBuffer(device, tokens * numHeads * headDim * 4);
      const counts = { tokens, sampleRows: 0 };
      const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
      const kernel = new PagedAttentionKernel(device, shape, kv.maxBlocks, serial);
      await runCalls(device, [kernel.bind(rows, {
        qkv: storageBuffer(device, qkv),
        kPool: storageBuffer(device, kv.kPool),
        vPool: storageBuffer(device, kv.vPool),
        positions: storageBuffer(device, Uint32Array.from(positions)),
        tokenSeq: storageBuffer(device, Uint32Array.from(tokenSeq)),
        blockTables: storageBuffer(device, kv.blockTables),
        out,
      })], counts);
      // Same reference and tolerance as above, with the window's mask.
      const expected = pagedAttentionRef(kv, qkv, tokenSeq, positions);
      const label = `case ${c} ${JSON.stringify(shape)} lengths ${lengths}`;
      expect(maxAbsDiff(await readFloats(device, out, tokens * numHeads * headDim), expected), label).toBeLessThan(1e-5);
    }
    // Rows whose window drops keys, and rows that still see every key.
    expect(covered.cut).toBeGreaterThan(0);
    expect(covered.inside).toBeGreaterThan(0);
  });
});
