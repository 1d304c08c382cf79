import { it } from 'vitest';
import { RopeKernel } from './src/gpu/kernels/rope.ts';
import { readFloats, runCalls, stepUniforms, storageBuffer, testGpu } from './test/support/gpu-harness.ts';
it('rope precision', async () => {
  const { device } = await testGpu();
  const shape = { headDim: 16, numHeads: 1, numKvHeads: 1, blockSize: 16 };
  const tokens = 4000;
  const qkv = new Float32Array(tokens * 48); for (let t = 0; t < tokens; t++) qkv[t*48] = 1;
  const positions = Uint32Array.from({length: tokens}, (_, i) => i * 8);
  const invFreq = new Float32Array(8).fill(0.9);
  const buf = storageBuffer(device, qkv);
  const counts = { tokens, sampleRows: 0 };
  await runCalls(device, [new RopeKernel(device, shape).bind({ uniforms: stepUniforms(device, counts), count: 'tokens' }, buf, storageBuffer(device, positions), storageBuffer(device, invFreq), storageBuffer(device, invFreq))], counts);
  const out = await readFloats(device, buf, tokens * 48);
  let worst = 0; for (let t = 0; t < tokens; t++) { const a = Math.fround(positions[t]! * Math.fround(0.9)); worst = Math.max(worst, Math.abs(out[t*48]! - Math.cos(a)), Math.abs(out[t*48+8]! - Math.sin(a))); }
  console.log('worst rope err', worst);
});
