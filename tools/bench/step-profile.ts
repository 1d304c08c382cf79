/**
 * GPU time of one batch-1 decode step with its kernels timed alone (gpu-timing.ts: repeated in one
 * submission; the median of a few rounds), split into the sampler's calls, the LM head and the rest — so the sampler's share
 * of a step can be read at a real vocabulary, and a step's GPU time compared with its wall time.
 * The runner's forward pass is driven directly: a decode row at `context` with the given sampling
 * row written into its sampler inputs.
 */
import type { KernelCall, RowCounts } from '../../src/gpu/kernel.ts';
import type { SamplerRow } from '../../src/gpu/kernels/sampler-row.ts';
import type { ModelRunner } from '../../src/model/model-runner.ts';
import { timeCall } from './gpu-timing.ts';
import { median } from './median.ts';

export interface StepProfile {
  readonly stepGpuMs: number;
  readonly samplerGpuMs: number;
  readonly lmHeadGpuMs: number;
  /** samplerGpuMs / stepGpuMs. */
  readonly samplerShare: number;
  readonly calls: number;
  readonly samplerCalls: number;
}

/** The sampler's calls: labels starting 'sample', except the gather of hidden rows before the LM head. */
export function isSamplerCall(label: string): boolean {
  return label.startsWith('sample') && !label.startsWith('sampleGather');
}

/** Calls timed together as one. */
function together(label: string, calls: readonly KernelCall[]): KernelCall {
  return { label, encode: (pass, counts) => calls.forEach((call) => call.encode(pass, counts)) };
}

/** A decode row's sampling: Qwen's defaults with a repetition penalty over the `seen` prompt tokens. */
export function defaultSamplingRow(params: { temperature: number; topP: number; topK: number; repetitionPenalty: number }, seen: readonly number[]): SamplerRow {
  return {
    ...params, minP: 0, presencePenalty: 0, frequencyPenalty: 0, seedLo: 1234, seedHi: 0, counter: 1, numLogprobs: 0,
    entries: [...new Set(seen)].map((token) => ({ token, outputCount: 0, seen: true, bias: 0 })),
  };
}

/** `trials` rounds of each timing (step, sampler, LM head in turn), `repeats` calls each; the median round counts. */
export async function profileDecodeStep(device: GPUDevice, runner: ModelRunner, context: number, row: SamplerRow, repeats: number, trials = 3): Promise<StepProfile> {
  const { forward, limits } = runner;
  const counts: RowCounts = { tokens: 1, sampleRows: 1 };
  forward.inputs.write({
    tokenIds: [1], positions: [context], slotMapping: [context], tokenSeq: [0],
    blockTables: Uint32Array.from({ length: limits.maxBlocksPerSeq }, (_, i) => i), sampleRows: [0],
  });
  forward.samplerInputs.write([row]);
  forward.uniforms.write(counts);
  const sampler = forward.calls.filter((call) => isSamplerCall(call.label));
  const lmHead = forward.calls.filter((call) => call.label === 'lmHead');
  if (sampler.length === 0) throw new Error('no sampler calls in the forward pass (labels starting "sample")');
  const groups = [together('step', forward.calls), together('sampler', sampler), together('lmHead', lmHead)];
  const times: number[][] = groups.map(() => []);
  for (let trial = 0; trial < trials; trial++) {
    for (const [i, group] of groups.entries()) times[i]!.push((await timeCall(device, group, counts, repeats)) * 1e3);
  }
  const [stepGpuMs, samplerGpuMs, lmHeadGpuMs] = times.map(median) as [number, number, number];
  return { stepGpuMs, samplerGpuMs, lmHeadGpuMs, samplerShare: samplerGpuMs / stepGpuMs, calls: forward.calls.length, samplerCalls: sampler.length };
}
