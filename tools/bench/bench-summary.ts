/**
 * The headline figures of `npm run bench -- --json`, assembled from the engine-level measurements:
 * decode tokens/s (greedy, default sampling, long context), the sampler's share of a step, the
 * GPU-idle share between steps (from pass timestamps when there are any, else wall time against
 * the step's GPU time alone) and the step loop's CPU time per step, and the 8-stream / 1-stream
 * ratio. Pure: no device, so the choices it makes are unit-tested.
 */
import type { ConcurrencyResult } from './concurrency-bench.ts';
import { busyTime, gpuIdleShare, wallIdleShare } from './idle-share.ts';

export interface DecodeRunFigures {
  readonly context: number;
  readonly sampling: 'greedy' | 'default';
  readonly timedSteps: number;
  readonly tokS: number;
  readonly wallMsPerStep: number;
  readonly wallMsPerStepMean: number;
  readonly cpuMsPerStep: number | null;
  readonly timestampMethod: 'passes' | 'submissions' | 'none';
  /**
   * GPU timestamps of the timed steps: the runner's passes (one 'forward' per step, a 'sample'
   * pass when sampling runs apart) or whole queue submissions.
   */
  readonly passes: readonly { readonly kind: 'forward' | 'sample' | 'submission'; readonly beginNs: number; readonly endNs: number }[];
}

export interface ProfileFigures {
  readonly stepGpuMs: number;
  readonly samplerGpuMs: number;
  readonly lmHeadGpuMs: number;
  readonly samplerShare: number;
}

export interface SummaryInput {
  readonly shortContext: number;
  readonly longContext: number;
  readonly runs: readonly DecodeRunFigures[];
  /** The decode step's kernels timed alone at the short context, per sampling. */
  readonly profiles: { readonly greedy: ProfileFigures; readonly default: ProfileFigures } | undefined;
  readonly concurrency: ConcurrencyResult | undefined;
}

export interface RunSummary {
  readonly sampling: 'greedy' | 'default';
  readonly context: number;
  readonly timed_steps: number;
  readonly tok_s: number;
  /** Median over the timed steps (tok_s is 1000 / this); the mean beside it. */
  readonly wall_ms_per_step: number;
  readonly wall_ms_per_step_mean: number;
  readonly cpu_ms_per_step: number | null;
  readonly timestamp_method: 'passes' | 'submissions' | 'none';
  readonly timed_passes: number;
  /** Busy GPU time (overlaps counted once) per forward pass, i.e. per step. */
  readonly gpu_ms_per_step_timestamps: number | null;
  /** Sample passes' time over all passes' time: the sampler's share of the real steps. */
  readonly sample_pass_share_timestamps: number | null;
  readonly gpu_idle_share_timestamps: number | null;
}

function runSummary(run: DecodeRunFigures): RunSummary {
  const intervals = run.passes.map((pass) => ({ begin: pass.beginNs, end: pass.endNs }));
  // Each step has one forward pass; timed by submissions, the timed steps are the recorded ones.
  const forwardPasses = run.passes.filter((pass) => pass.kind === 'forward').length;
  const steps = run.passes.length === 0 ? 0 : forwardPasses > 0 ? forwardPasses : run.timedSteps;
  const duration = (kind?: 'sample') => run.passes.filter((pass) => kind === undefined || pass.kind === kind).reduce((sum, pass) => sum + pass.endNs - pass.beginNs, 0);
  const sampleSeparate = run.passes.some((pass) => pass.kind === 'sample');
  return {
    sampling: run.sampling,
    context: run.context,
    timed_steps: run.timedSteps,
    tok_s: run.tokS,
    wall_ms_per_step: run.wallMsPerStep,
    wall_ms_per_step_mean: run.wallMsPerStepMean,
    cpu_ms_per_step: run.cpuMsPerStep,
    timestamp_method: run.timestampMethod,
    timed_passes: run.passes.length,
    gpu_ms_per_step_timestamps: steps === 0 ? null : busyTime(intervals) / steps / 1e6,
    sample_pass_share_timestamps: sampleSeparate && duration() > 0 ? duration('sample') / duration() : null,
    gpu_idle_share_timestamps: gpuIdleShare(intervals),
  };
}

export function benchSummary(input: SummaryInput) {
  const runs = input.runs.map(runSummary);
  const find = (sampling: 'greedy' | 'default', context: number) => runs.find((run) => run.sampling === sampling && run.context === context);
  const greedy = find('greedy', input.shortContext);
  const sampled = find('default', input.shortContext);
  // The idle gap and CPU time are read on the run that samples as the model is meant to.
  const idleRun = sampled ?? greedy;
  const profile = idleRun === undefined ? undefined : input.profiles?.[idleRun.sampling];
  const idleWall = idleRun === undefined || profile === undefined ? null : wallIdleShare(profile.stepGpuMs, idleRun.wall_ms_per_step);
  const idleTimestamps = idleRun?.gpu_idle_share_timestamps ?? null;
  const timestampMethod = idleRun?.timestamp_method === 'submissions' ? 'submission-timestamps' : 'pass-timestamps';
  const levels = input.concurrency?.levels ?? [];
  const one = levels.find((level) => level.streams === 1)?.aggregate_tok_s;
  const eight = levels.find((level) => level.streams === 8)?.aggregate_tok_s;
  return {
    decode_tok_s: greedy?.tok_s ?? null,
    decode_tok_s_sampled: sampled?.tok_s ?? null,
    decode_tok_s_ctx4k: find('greedy', input.longContext)?.tok_s ?? null,
    decode_tok_s_sampled_ctx4k: find('default', input.longContext)?.tok_s ?? null,
    decode_context: input.shortContext,
    long_context: input.longContext,
    sampler_share: input.profiles?.default.samplerShare ?? null,
    sampler_share_greedy: input.profiles?.greedy.samplerShare ?? null,
    sampler_share_timestamps: sampled?.sample_pass_share_timestamps ?? null,
    gpu_idle_share: idleTimestamps ?? idleWall,
    gpu_idle_method: idleTimestamps !== null ? timestampMethod : idleWall !== null ? 'wall-vs-isolated-gpu' : null,
    gpu_idle_share_timestamps: idleTimestamps,
    gpu_idle_share_wall: idleWall,
    cpu_ms_per_step: idleRun?.cpu_ms_per_step ?? null,
    stream8_over_stream1: one !== undefined && eight !== undefined ? eight / one : null,
    decode_runs: runs,
    step_profile: input.profiles === undefined ? null : {
      context: input.shortContext,
      greedy: { step_gpu_ms: input.profiles.greedy.stepGpuMs, sampler_gpu_ms: input.profiles.greedy.samplerGpuMs, lm_head_gpu_ms: input.profiles.greedy.lmHeadGpuMs },
      default: { step_gpu_ms: input.profiles.default.stepGpuMs, sampler_gpu_ms: input.profiles.default.samplerGpuMs, lm_head_gpu_ms: input.profiles.default.lmHeadGpuMs },
    },
    concurrency: input.concurrency ?? null,
  };
}

export type BenchSummary = ReturnType<typeof benchSummary>;
