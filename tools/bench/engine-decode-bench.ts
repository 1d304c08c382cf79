/**
 * Batch-1 decode through the real step loop (Engine over a LoadedModel): one request with a
 * prompt of `context` tokens is prefilled, then `tokens` decode steps run; the first decode step
 * is a warm-up and only the steps after it are timed. Besides tokens/s: the wall time per step,
 * (median of the timed steps: robust to a busy machine), the step loop's CPU time per step (StepStats.cpuMs, when the engine reports it) and, when a
 * PassTimestampRecorder is given and the runner consults it, the GPU timestamps of every pass of
 * the timed steps.
 */
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, StepStats } from '../../src/engine/engine-types.ts';
import type { SamplingParams } from '../../src/engine/sampling-params.ts';
import type { PassTimestampRecorder, TimedPass } from '../../src/gpu/pass-timestamp-recorder.ts';
import type { PassTimestamps } from '../../src/gpu/pass-timestamps.ts';
import type { LoadedModel } from '../../src/model/load-model.ts';
import { median } from './median.ts';
import { benchPrompt } from './random-loaded-model.ts';
import { timeSubmissions } from './submission-timestamps.ts';

export type DecodeSampling = 'greedy' | 'default';

export interface EngineDecodeOptions {
  readonly context: number;
  /** Decode steps after the warm-up one. */
  readonly tokens: number;
  readonly sampling: DecodeSampling;
  /** The model's default sampling (generation_config), written out as request fields. */
  readonly defaultSampling: Omit<SamplingParams, 'maxTokens'>;
  /**
   * How the GPU is timed: through the runner's passTimestamps hook ('passes'), by bracketing every
   * queue submission ('submissions', for a runner without the hook), or not at all.
   */
  readonly timestamps: { readonly recorder: PassTimestampRecorder; readonly method: TimestampMethod } | undefined;
}

export type TimestampMethod = 'passes' | 'submissions';

export interface EngineDecodeRun {
  readonly context: number;
  readonly sampling: DecodeSampling;
  readonly timedSteps: number;
  /** From the median step time. */
  readonly tokS: number;
  /** Median and mean time between the ends of consecutive timed steps. */
  readonly wallMsPerStep: number;
  readonly wallMsPerStepMean: number;
  /** Mean StepStats.cpuMs over the timed steps; null when the engine does not report it. */
  readonly cpuMsPerStep: number | null;
  readonly timestampMethod: TimestampMethod | 'none';
  /** GPU timestamps of the timed steps' passes (or submissions); empty when not timed. */
  readonly passes: readonly TimedPass[];
}

const warmupSteps = 1;

/** The hook the runner consults for each pass it begins (a field the step loop may not have yet). */
type WithPassTimestamps = { passTimestamps?: PassTimestamps | undefined };

/** A decode step whose token was kept (a pipelined loop may sample one past the end and drop it). */
function isDecodeStep(stats: StepStats): boolean {
  const discarded = (stats as StepStats & { readonly discardedTokens?: unknown }).discardedTokens;
  return stats.batchedTokens === 1 && stats.sampledSeqs === 1 && !(typeof discarded === 'number' && discarded > 0);
}

/** StepStats.cpuMs, read without assuming the field exists. */
function cpuMsOf(stats: StepStats): number | undefined {
  const value = (stats as StepStats & { readonly cpuMs?: unknown }).cpuMs;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export async function benchEngineDecode(model: LoadedModel, options: EngineDecodeOptions): Promise<EngineDecodeRun> {
  const { context, tokens } = options;
  const recorder = options.timestamps?.recorder;
  const method = options.timestamps?.method ?? 'none';
  const runner = model.runner as typeof model.runner & WithPassTimestamps;
  recorder?.clear();
  let undo = () => undefined as void;
  if (recorder !== undefined) {
    recorder.enabled = false;
    if (method === 'passes') runner.passTimestamps = recorder;
    else undo = timeSubmissions(model.gpu.device, recorder);
  }
  let decodeSteps = 0;
  let timedFrom: number | undefined;
  const stepEnds: number[] = [];
  const cpuMs: number[] = [];
  const onStep = (stats: StepStats) => {
    const now = performance.now();
    if (!isDecodeStep(stats)) return;
    decodeSteps++;
    if (decodeSteps <= warmupSteps) {
      // Steady state from here: the next step is the first timed one.
      timedFrom = now;
      if (recorder !== undefined) recorder.enabled = true;
      return;
    }
    stepEnds.push(now);
    const cpu = cpuMsOf(stats);
    if (cpu !== undefined) cpuMs.push(cpu);
  };
  const engine = new Engine(model, { enablePrefixCaching: false, onStep });
  const sampling: SamplingParams = options.sampling === 'greedy'
    ? { maxTokens: warmupSteps + tokens + 1, temperature: 0, ignoreEos: true }
    : { maxTokens: warmupSteps + tokens + 1, ...options.defaultSampling, seed: 1234, ignoreEos: true };
  const request: EngineRequest = { id: `decode-${options.sampling}-${context}`, promptIds: benchPrompt(context, context), sampling };
  try {
    await engine.submit(request);
  } finally {
    if (recorder !== undefined) {
      recorder.enabled = false;
      if (method === 'passes') runner.passTimestamps = undefined;
      undo();
    }
  }
  const timedSteps = decodeSteps - warmupSteps;
  if (timedFrom === undefined || timedSteps < 1) throw new Error(`only ${decodeSteps} decode steps ran; ${warmupSteps + tokens} expected`);
  const stepMs = stepEnds.map((end, i) => end - (i === 0 ? timedFrom! : stepEnds[i - 1]!));
  const wallMs = median(stepMs);
  return {
    context,
    sampling: options.sampling,
    timedSteps,
    tokS: 1000 / wallMs,
    wallMsPerStep: wallMs,
    wallMsPerStepMean: stepMs.reduce((a, b) => a + b, 0) / stepMs.length,
    cpuMsPerStep: cpuMs.length === timedSteps ? cpuMs.reduce((a, b) => a + b, 0) / cpuMs.length : null,
    timestampMethod: method,
    passes: recorder === undefined ? [] : await recorder.read(),
  };
}

/**
 * Whether the runner times its passes through a passTimestamps hook: one 1-token step (no sampling,
 * KV slot 0, which later runs overwrite) with the recorder set and enabled.
 */
export async function runnerConsultsHook(model: LoadedModel, recorder: PassTimestampRecorder): Promise<boolean> {
  const runner = model.runner as typeof model.runner & WithPassTimestamps;
  recorder.clear();
  recorder.enabled = true;
  runner.passTimestamps = recorder;
  try {
    await runner.step({ tokenIds: [1], positions: [0], slotMapping: [0], tokenSeq: [0], blockTables: new Uint32Array(runner.limits.maxBlocksPerSeq), sampleRows: [] });
  } finally {
    recorder.enabled = false;
    runner.passTimestamps = undefined;
  }
  const passes = await recorder.read();
  recorder.clear();
  return passes.length > 0;
}
