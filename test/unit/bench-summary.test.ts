/**
 * The JSON headline figures of `npm run bench -- --json` (tools/bench/bench-summary.ts): which
 * run each figure comes from, timestamps preferred over the wall-time estimate, nulls when a
 * figure was not measured, and which forward-pass calls count as the sampler.
 */
import { describe, expect, it } from 'vitest';
import { benchSummary, type DecodeRunFigures, type SummaryInput } from '../../tools/bench/bench-summary.ts';
import { isSamplerCall } from '../../tools/bench/step-profile.ts';

const ms = 1e6; // ns per ms

function run(sampling: 'greedy' | 'default', context: number, tokS: number, passes: DecodeRunFigures['passes'] = []): DecodeRunFigures {
  return { sampling, context, timedSteps: 4, tokS, wallMsPerStep: 1000 / tokS, wallMsPerStepMean: 1100 / tokS, cpuMsPerStep: sampling === 'default' ? 0.5 : 0.25, timestampMethod: passes.length > 0 ? 'passes' : 'none', passes };
}

// Two steps of the default run: forward 0–6 ms, sample 6–8 ms, idle 8–10 ms, forward 10–16, sample 16–18.
const timedPasses: DecodeRunFigures['passes'] = [
  { kind: 'forward', beginNs: 0, endNs: 6 * ms }, { kind: 'sample', beginNs: 6 * ms, endNs: 8 * ms },
  { kind: 'forward', beginNs: 10 * ms, endNs: 16 * ms }, { kind: 'sample', beginNs: 16 * ms, endNs: 18 * ms },
];

const profiles: SummaryInput['profiles'] = {
  greedy: { stepGpuMs: 7, samplerGpuMs: 0.5, lmHeadGpuMs: 2, samplerShare: 0.5 / 7 },
  default: { stepGpuMs: 8, samplerGpuMs: 2, lmHeadGpuMs: 2, samplerShare: 0.25 },
};

const concurrency = {
  prompt_tokens: 32, decode_tokens: 3, prefix_tokens: 1000, prefix_ttft_cold_ms: 10, prefix_ttft_hit_ms: 1,
  levels: [1, 4, 8, 16].map((streams) => ({ streams, aggregate_tok_s: streams === 8 ? 300 : 50 * streams, per_stream_tok_s: 50, mean_ttft_ms: 5, decode_steps: 3 })),
};

describe('bench JSON summary', () => {
  it('takes each headline figure from its run and prefers timestamps for the idle share', () => {
    const summary = benchSummary({
      shortContext: 128, longContext: 4096, profiles, concurrency,
      runs: [run('greedy', 128, 100), run('default', 128, 80, timedPasses), run('greedy', 4096, 60), run('default', 4096, 50)],
    });
    expect(summary.decode_tok_s).toBe(100);
    expect(summary.decode_tok_s_sampled).toBe(80);
    expect(summary.decode_tok_s_ctx4k).toBe(60);
    expect(summary.decode_tok_s_sampled_ctx4k).toBe(50);
    expect(summary.sampler_share).toBe(0.25);
    expect(summary.sampler_share_timestamps).toBeCloseTo(4 / 16, 12);
    expect(summary.gpu_idle_method).toBe('pass-timestamps');
    expect(summary.gpu_idle_share).toBeCloseTo(2 / 18, 12);
    // Wall 12.5 ms a step against 8 ms of kernels alone.
    expect(summary.gpu_idle_share_wall).toBeCloseTo(1 - 8 / 12.5, 12);
    expect(summary.cpu_ms_per_step).toBe(0.5);
    expect(summary.stream8_over_stream1).toBe(6);
    const sampled = summary.decode_runs.find((r) => r.sampling === 'default' && r.context === 128)!;
    expect(sampled.gpu_ms_per_step_timestamps).toBeCloseTo(8, 12);
    expect(sampled.timed_passes).toBe(4);
  });

  it('reads submission timestamps (a runner without the pass hook) per timed step', () => {
    // Two steps, one submission each: busy 0–8 and 10–18 ms.
    const submissions: DecodeRunFigures['passes'] = [{ kind: 'submission', beginNs: 0, endNs: 8 * ms }, { kind: 'submission', beginNs: 10 * ms, endNs: 18 * ms }];
    const sampled: DecodeRunFigures = { ...run('default', 128, 80), timedSteps: 2, timestampMethod: 'submissions', passes: submissions };
    const summary = benchSummary({ shortContext: 128, longContext: 0, profiles, concurrency: undefined, runs: [run('greedy', 128, 100), sampled] });
    expect(summary.gpu_idle_method).toBe('submission-timestamps');
    expect(summary.gpu_idle_share).toBeCloseTo(2 / 18, 12);
    expect(summary.sampler_share_timestamps).toBeNull();
    expect(summary.decode_runs[1]!.gpu_ms_per_step_timestamps).toBeCloseTo(8, 12);
  });

  it('falls back to wall time against kernels alone, and gives null for what was not measured', () => {
    const summary = benchSummary({ shortContext: 128, longContext: 0, profiles, concurrency: undefined, runs: [run('greedy', 128, 100), run('default', 128, 100)] });
    expect(summary.gpu_idle_method).toBe('wall-vs-isolated-gpu');
    expect(summary.gpu_idle_share).toBeCloseTo(0.2, 12);
    expect(summary.gpu_idle_share_timestamps).toBeNull();
    expect(summary.sampler_share_timestamps).toBeNull();
    expect(summary.decode_tok_s_ctx4k).toBeNull();
    expect(summary.stream8_over_stream1).toBeNull();
    expect(summary.concurrency).toBeNull();
    const none = benchSummary({ shortContext: 128, longContext: 0, profiles: undefined, concurrency: undefined, runs: [] });
    expect(none.gpu_idle_share).toBeNull();
    expect(none.gpu_idle_method).toBeNull();
    expect(none.cpu_ms_per_step).toBeNull();
    expect(none.sampler_share).toBeNull();
  });

  it('counts the sampler kernels, not the gather of hidden rows before the LM head', () => {
    expect(isSamplerCall('sample')).toBe(true);
    expect(isSamplerCall('sample.candidates')).toBe(true);
    expect(isSamplerCall('sampleGather')).toBe(false);
    expect(isSamplerCall('lmHead')).toBe(false);
    expect(isSamplerCall('layer0.qkv')).toBe(false);
  });
});
