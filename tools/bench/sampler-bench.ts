/**
 * The sampler's GPU time (its four calls, wall clock per repeat) for one row at Qwen's vocabulary
 * (151,936): greedy, plain temperature 1 (OpenAI's default), Qwen2.5's default sampling
 * (temperature 0.7, top_p 0.8, top_k 20, repetition penalty 1.05 over 300 seen tokens), and that
 * with 20 top logprobs. `benchSampler` returns the numbers; run alone (tsx with
 * tools/register-wgsl.mjs) it prints them with the adapter's name, for each kind of reduction.
 */
import { getDevice, type GpuContext } from '../../src/gpu/device.ts';
import { StepUniforms, type KernelCall, type RowCounts } from '../../src/gpu/kernel.ts';
import { kernelTarget, type KernelTarget } from '../../src/gpu/kernel-target.ts';
import { SamplerInputs, SamplerKernel } from '../../src/gpu/kernels/sampler.ts';
import type { SamplerRow } from '../../src/gpu/kernels/sampler-row.ts';
import { timeCall } from './gpu-timing.ts';

export interface SamplerTiming {
  readonly setting: string;
  readonly microseconds: number;
}

const qwenVocab = 151_936;
const off = { temperature: 1, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0 };

/** Logits shaped like a language model's: a broad normal bulk and a few dozen clear candidates. */
function modelLikeLogits(vocab: number, seed: number): Float32Array<ArrayBuffer> {
  let state = seed >>> 0;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const logits = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) logits[i] = 2.5 * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  for (let j = 0; j < 40; j++) logits[Math.floor(next() * vocab)] = 12 + 6 * next();
  return logits;
}

function settings(vocab: number): { setting: string; row: SamplerRow }[] {
  const seen = Array.from({ length: 300 }, (_, i) => ({ token: (i * 7919) % vocab, outputCount: i % 3, seen: true, bias: 0 }));
  const common = { seedLo: 12345, seedHi: 0, counter: 7, numLogprobs: 0, entries: [] };
  return [
    { setting: 'greedy', row: { ...off, ...common, temperature: 0 } },
    { setting: 'temperature 1', row: { ...off, ...common } },
    { setting: 'Qwen2.5 default', row: { ...off, ...common, temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05, entries: seen } },
    { setting: 'Qwen2.5 default + 20 logprobs', row: { ...off, ...common, temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05, entries: seen, numLogprobs: 20 } },
  ];
}

/** All of a kernel's calls as one call, so they are timed together. */
function together(calls: readonly KernelCall[]): KernelCall {
  return { label: 'sampler', encode: (pass, counts) => calls.forEach((call) => call.encode(pass, counts)) };
}

export interface SamplerBenchOptions {
  readonly vocab?: number;
  readonly repeats?: number;
  /** The kernels' variant; the adapter's own (kernelTarget) by default. */
  readonly target?: KernelTarget;
}

export async function benchSampler(gpu: GpuContext, options: SamplerBenchOptions = {}): Promise<SamplerTiming[]> {
  const { vocab = qwenVocab, repeats = gpu.isSoftware ? 5 : 100, target = kernelTarget(gpu) } = options;
  const { device } = gpu;
  const counts: RowCounts = { tokens: 1, sampleRows: 1 };
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const logits = device.createBuffer({ label: 'bench.logits', size: vocab * 4, usage });
  device.queue.writeBuffer(logits, 0, modelLikeLogits(vocab, 1));
  const scratch = device.createBuffer({ label: 'bench.samplerScratch', size: SamplerKernel.scratchBytes(1, vocab), usage });
  const out = device.createBuffer({ label: 'bench.sampled', size: SamplerKernel.outBytes(1), usage });
  const uniforms = new StepUniforms(device);
  uniforms.write(counts);
  const inputs = new SamplerInputs(device, { maxRows: 1, maxEntries: 300, vocab });
  const kernel = new SamplerKernel(device, vocab, target);
  const calls = kernel.bind({ uniforms, count: 'sampleRows' }, { logits, inputs, scratch, out });
  const call = together(calls);
  const timings: SamplerTiming[] = [];
  for (const { setting, row } of settings(vocab)) {
    inputs.write([row]);
    timings.push({ setting, microseconds: (await timeCall(device, call, counts, repeats)) * 1e6 });
  }
  for (const buffer of [logits, scratch, out, uniforms.buffer]) buffer.destroy();
  for (const each of calls) each.destroy?.();
  inputs.destroy();
  return timings;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const gpu = await getDevice();
  console.log(`adapter: ${gpu.adapterName}${gpu.isSoftware ? ' (software)' : ''}; sampler, one row, vocab ${qwenVocab}`);
  for (const subgroups of gpu.features.has('subgroups') ? [true, false] : [false]) {
    console.log(`reductions: ${subgroups ? 'subgroups' : 'workgroup memory'}`);
    const timings = await benchSampler(gpu, { target: kernelTarget(gpu, { subgroups }) });
    for (const { setting, microseconds } of timings) console.log(`  ${setting.padEnd(32)} ${microseconds.toFixed(0).padStart(10)} µs`);
  }
  process.exit(0);
}
