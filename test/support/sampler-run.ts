/**
 * Runs the GPU sampler (src/gpu/kernels/sampler.ts) once over given logits and rows, in one of its
 * variants (workgroup shape, subgroup or workgroup-memory reductions, chunk size), and reads back
 * its output, the logits (which must be untouched) and each row's route.
 */
import type { KernelTarget } from '../../src/gpu/kernel-target.ts';
import { readSamplerState, type SamplerRowState } from '../../src/gpu/kernels/sampler-layout.ts';
import type { SamplerRow } from '../../src/gpu/kernels/sampler-row.ts';
import { SamplerInputs, SamplerKernel, decodeSamplerOutput, type SamplerOutput } from '../../src/gpu/kernels/sampler.ts';
import { readBuffer, readFloats, runCalls, stepUniforms, storageBuffer } from './gpu-harness.ts';

export interface SamplerVariant {
  readonly name: string;
  readonly target: KernelTarget;
  /** Tokens per chunk of the first pass; the adapter's default when absent. */
  readonly chunkTokens?: number;
}

/** Both workgroup shapes (256 on GPUs, 64 on CPU adapters), both kinds of reductions. */
export const samplerVariants: readonly SamplerVariant[] = [
  { name: 'workgroups of 64, subgroups', target: { software: true, subgroups: true } },
  { name: 'workgroups of 64, workgroup memory', target: { software: true, subgroups: false } },
  { name: 'workgroups of 256, subgroups', target: { software: false, subgroups: true } },
  { name: 'workgroups of 256, workgroup memory', target: { software: false, subgroups: false } },
];

export type SamplerRun = SamplerOutput & { readonly logitsAfter: Float32Array; readonly states: readonly SamplerRowState[] };

export async function runSampler(device: GPUDevice, vocab: number, logits: Float32Array, rows: readonly SamplerRow[], variant: SamplerVariant): Promise<SamplerRun> {
  const counts = { tokens: rows.length, sampleRows: rows.length };
  const inputs = new SamplerInputs(device, { maxRows: rows.length, maxEntries: rows.reduce((n, row) => n + row.entries.length, 0), vocab });
  inputs.write(rows);
  const logitsBuffer = storageBuffer(device, logits, 'logits');
  const scratch = storageBuffer(device, SamplerKernel.scratchBytes(rows.length, vocab), 'scratch');
  const out = storageBuffer(device, SamplerKernel.outBytes(rows.length), 'out');
  const sampleRows = { uniforms: stepUniforms(device, counts), count: 'sampleRows' as const };
  const kernel = new SamplerKernel(device, vocab, variant.target, variant.chunkTokens);
  const calls = kernel.bind(sampleRows, { logits: logitsBuffer, inputs, scratch, out });
  await runCalls(device, calls, counts);
  const words = new Uint32Array(await readBuffer(device, out, SamplerKernel.outBytes(rows.length)));
  const logitsAfter = await readFloats(device, logitsBuffer, logits.length);
  const scratchWords = new Uint32Array(await readBuffer(device, scratch, SamplerKernel.scratchBytes(rows.length, vocab)));
  for (const buffer of [logitsBuffer, scratch, out, sampleRows.uniforms.buffer]) buffer.destroy();
  for (const call of calls) call.destroy?.();
  inputs.destroy();
  const states = rows.map((_, r) => readSamplerState(scratchWords, r, vocab));
  return { ...decodeSamplerOutput(words, rows.length, rows.map((row) => row.numLogprobs)), logitsAfter, states };
}
