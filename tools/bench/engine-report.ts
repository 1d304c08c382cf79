/**
 * The engine-level part of `npm run bench`: batch-1 decode through the step loop with greedy and
 * with Qwen2.5's default sampling at a short and a long context (engine-decode-bench.ts), the
 * decode step's kernels timed alone for the sampler's share (step-profile.ts), pass timestamps
 * when the adapter has 'timestamp-query' (pass-timestamp-recorder.ts) and, when asked, N streams
 * at once (concurrency-bench.ts). Prints a table through `log` and returns the figures.
 */
import type { GpuContext } from '../../src/gpu/device.ts';
import { PassTimestampRecorder } from '../../src/gpu/pass-timestamp-recorder.ts';
import { greedyRow } from '../../src/model/model-runner.ts';
import { benchSummary, type BenchSummary } from './bench-summary.ts';
import type { BenchShape } from './bench-shape.ts';
import { qwen25GenerationConfig, qwen25Sampling } from './bench-shape.ts';
import { benchConcurrency, type ConcurrencyOptions } from './concurrency-bench.ts';
import { benchEngineDecode, runnerConsultsHook, type DecodeSampling, type EngineDecodeRun, type TimestampMethod } from './engine-decode-bench.ts';
import { benchBlockSize, benchPrompt, randomLoadedModel } from './random-loaded-model.ts';
import { defaultSamplingRow, profileDecodeStep, type StepProfile } from './step-profile.ts';

export interface EngineReportOptions {
  readonly shape: BenchShape;
  readonly shortContext: number;
  /** 0 leaves the long-context runs out. */
  readonly longContext: number;
  /** Timed decode steps per run (after one warm-up step). */
  readonly tokens: number;
  readonly profileRepeats: number;
  readonly concurrency: Omit<ConcurrencyOptions, 'config' | 'log'> | undefined;
  readonly log: (line: string) => void;
}

const fixed = (value: number | null, digits = 2) => (value === null ? 'n/a' : value.toFixed(digits));
const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);

export async function engineReport(gpu: GpuContext, options: EngineReportOptions): Promise<BenchSummary> {
  const { shape, shortContext, longContext, tokens, log } = options;
  const contexts = longContext > 0 ? [shortContext, longContext] : [shortContext];
  const maxModelLen = Math.max(...contexts) + tokens + 2 + benchBlockSize;
  const model = randomLoadedModel(gpu, shape.config, { maxSeqs: 1, maxModelLen, generationConfig: qwen25GenerationConfig, location: shape.name });
  const recorder = PassTimestampRecorder.supported(gpu.device) ? new PassTimestampRecorder(gpu.device) : undefined;
  const runs: EngineDecodeRun[] = [];
  let method: TimestampMethod | undefined;
  let profiles: { greedy: StepProfile; default: StepProfile };
  try {
    // A runner without the passTimestamps hook is timed around its queue submissions instead.
    if (recorder !== undefined) method = (await runnerConsultsHook(model, recorder)) ? 'passes' : 'submissions';
    const timestamps = recorder === undefined || method === undefined ? undefined : { recorder, method };
    log(`\nengine decode, batch 1: ${shape.description}`);
    log(`default sampling = Qwen2.5 generation_config (temperature ${qwen25Sampling.temperature}, top_p ${qwen25Sampling.topP}, top_k ${qwen25Sampling.topK}, ` +
      `repetition_penalty ${qwen25Sampling.repetitionPenalty}); ${tokens} timed decode steps after 1 warm-up; on ${gpu.adapterName}`);
    log(`sampling  context    tok/s  wall ms/step  CPU ms/step  GPU ms/step (ts)  sample pass (ts)  GPU idle (ts)   (ts: timestamps ${method === undefined ? 'n/a' : `of ${method}`})`);
    for (const context of contexts) {
      for (const sampling of ['greedy', 'default'] as DecodeSampling[]) {
        const run = await benchEngineDecode(model, { context, tokens, sampling, defaultSampling: qwen25Sampling, timestamps });
        runs.push(run);
        const row = benchSummary({ shortContext, longContext, runs: [run], profiles: undefined, concurrency: undefined }).decode_runs[0]!;
        log(`${sampling.padEnd(9)} ${String(context).padStart(7)} ${fixed(run.tokS).padStart(8)} ${fixed(run.wallMsPerStep, 1).padStart(13)} ` +
          `${fixed(run.cpuMsPerStep, 3).padStart(12)} ${fixed(row.gpu_ms_per_step_timestamps, 2).padStart(17)} ${percent(row.sample_pass_share_timestamps).padStart(17)} ` +
          `${percent(row.gpu_idle_share_timestamps).padStart(14)}`);
      }
    }
    const seen = benchPrompt(shortContext, shortContext);
    profiles = {
      greedy: await profileDecodeStep(gpu.device, model.runner, shortContext, greedyRow, options.profileRepeats),
      default: await profileDecodeStep(gpu.device, model.runner, shortContext, defaultSamplingRow(qwen25Sampling, seen), options.profileRepeats),
    };
  } finally {
    model.dispose();
    recorder?.destroy();
  }
  const { greedy, default: sampled } = profiles;
  log(`decode step's kernels alone (context ${shortContext}, ${sampled.calls} calls): greedy ${greedy.stepGpuMs.toFixed(2)} ms, default sampling ${sampled.stepGpuMs.toFixed(2)} ms; ` +
    `sampler ${greedy.samplerGpuMs.toFixed(2)} / ${sampled.samplerGpuMs.toFixed(2)} ms (share ${percent(greedy.samplerShare)} / ${percent(sampled.samplerShare)}), ` +
    `LM head ${sampled.lmHeadGpuMs.toFixed(2)} ms`);
  const concurrency = options.concurrency === undefined ? undefined : await benchConcurrency(gpu, { ...options.concurrency, config: shape.config, log });
  const summary = benchSummary({ shortContext, longContext, runs, profiles, concurrency });
  if (recorder === undefined) log('timestamps: the adapter has no timestamp-query');
  else if (method === 'submissions') log('timestamps: around each queue submission (the model runner consults no passTimestamps hook)');
  log(`GPU idle between steps (default sampling, context ${shortContext}): ${percent(summary.gpu_idle_share)} by ${summary.gpu_idle_method ?? 'n/a'} ` +
    `(timestamps ${percent(summary.gpu_idle_share_timestamps)}, wall vs kernels alone ${percent(summary.gpu_idle_share_wall)}); ` +
    `CPU per step ${summary.cpu_ms_per_step === null ? 'n/a (StepStats has no cpuMs)' : `${summary.cpu_ms_per_step.toFixed(3)} ms`}`);
  return summary;
}
