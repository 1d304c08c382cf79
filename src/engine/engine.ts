/**
 * The serving engine: requests in, one token per running request per step out. Each step
 * schedules (scheduler.ts), runs one batched forward pass, samples on the GPU (two submissions,
 * one readback), then appends the sampled tokens and retires finished requests. Steps are
 * pipelined: step n + 1 is scheduled and its forward pass submitted, its decode rows fed step n's
 * tokens on the GPU, before step n is read back; its sampling rows are written once step n's tokens
 * are known, so grammar masks and penalties are exact. A request that finished in step n had a
 * token launched in step n + 1: it is discarded, never emitted or cached. It runs in-process
 * (Node, tests, CLI) or inside a Web Worker (worker-host.ts); `submit` drives the step loop.
 * A constrained request samples under its grammar's token mask, and its grammar accepts each token.
 * An Engine writes its model's KV pool only while it holds the pool's lease (kv-pool-lease.ts): from
 * its first step with work until it has none, so Engines sharing a model take turns, never mix blocks.
 */
import type { TokenConstraint } from '../constraint/token-constraint.ts';
import { LlmError } from '../errors.ts';
import type { KvCache } from '../model/kv-cache.ts';
import type { LoadedModel } from '../model/load-model.ts';
import type { StepOutput } from '../model/model-runner.ts';
import { BlockManager } from './block-manager.ts';
import { KvPoolLease } from './kv-pool-lease.ts';
import type { EngineRequest, EngineStats, RequestResult, StepStats, TokenLogprob } from './engine-types.ts';

export type { OutputListener } from './live-request.ts';
import { EngineStatsTracker, isDecodeOnly } from './engine-stats.ts';
import { awaitMasks, GrammarAdmission, type CompileConstraint } from './grammar-admission.ts';
import { abortedBeforeAdmission, notify, outputOf, randomSeed, resultOf, rowLogits, type Live, type OutputListener } from './live-request.ts';
import { prefillMarks, reportPrefill } from './prefill-report.ts';
import { validateRequest } from './request-validation.ts';
import { Scheduler } from './scheduler.ts';
import { Sequence, type FinishReason } from './sequence.ts';
import { samplesWithoutCpu, StepBuilder, type LaunchedStep } from './step-builder.ts';

export interface EngineOptions {
  /** Reuse KV blocks of identical prompt prefixes across requests (default true). */
  readonly enablePrefixCaching?: boolean;
  /** Called after every step with its statistics. */
  readonly onStep?: (stats: StepStats) => void;
  /**
   * A request's constraint → its token constraint (one compiler per model, e.g.
   * src/constraint/model-constraints.ts), at once or as a promise (a grammar thread); a typed
   * error for a bad spec. Without it, constrained requests are refused.
   */
  readonly compileConstraint?: CompileConstraint;
  /**
   * Submit step n + 1 before reading step n back (default true): the GPU never waits for the CPU
   * between steps. Outputs are the same either way; a finished request's extra token is discarded.
   */
  readonly pipeline?: boolean;
}

/** Each KV pool's most recently made Engine (what generate() submits to). */
const latest = new WeakMap<KvCache, Engine>();

export class Engine {
  readonly blocks: BlockManager;
  readonly scheduler: Scheduler;
  private readonly builder: StepBuilder;
  private readonly live = new Map<string, Live>();
  private readonly tracker: EngineStatsTracker;
  private arrivals = 0;
  private loop: Promise<void> | undefined;
  private readonly pool: KvPoolLease;
  private readonly pipeline: boolean;
  private readonly grammars: GrammarAdmission;
  /** The step whose forward pass (and sampling, once submitted) runs while the next is prepared. */
  private inFlight: LaunchedStep | undefined;

  /** The model's most recently made Engine, if any. */
  static of(model: LoadedModel): Engine | undefined {
    return latest.get(model.kvCache);
  }

  constructor(readonly model: LoadedModel, private readonly options: EngineOptions = {}) {
    const { limits } = model.runner;
    this.blocks = new BlockManager({
      numBlocks: model.kvCache.numBlocks,
      blockSize: model.kvCache.blockSize,
      enablePrefixCaching: options.enablePrefixCaching ?? true,
    });
    this.scheduler = new Scheduler(this.blocks, { maxNumBatchedTokens: limits.maxTokens, maxNumSeqs: limits.maxSeqs });
    this.builder = new StepBuilder(limits, model.kvCache.blockSize, model.config.vocabSize);
    this.tracker = new EngineStatsTracker(this.blocks, this.scheduler);
    this.pool = KvPoolLease.of(model.kvCache);
    this.pipeline = options.pipeline ?? true;
    this.grammars = new GrammarAdmission(options.compileConstraint);
    latest.set(model.kvCache, this);
  }

  /** Ids of the requests not finished yet (compiling their grammars included). */
  requestIds(): string[] {
    return [...this.live.keys(), ...this.grammars.ids];
  }

  get hasWork(): boolean {
    return this.scheduler.hasWork;
  }

  /** Queues a request; throws a typed error (and changes nothing) if it is invalid. */
  addRequest(request: EngineRequest, listener?: OutputListener): void {
    this.checkNewId(request);
    const sampling = validateRequest(request, this.model, randomSeed);
    // Compiled last: nothing after it can refuse the request (and leak the constraint).
    const constraint = request.constraint === undefined ? undefined : this.grammars.compileNow(request.constraint);
    this.admit(request, sampling, constraint, listener);
  }

  /**
   * Queues a request and steps the engine until it finishes. A constrained request joins the
   * batch once its grammar is compiled (the others keep stepping meanwhile); `onAdmitted` says
   * when a request has joined, past every check that can refuse it.
   */
  submit(request: EngineRequest, listener?: OutputListener, onAdmitted?: () => void): Promise<RequestResult> {
    if (request?.constraint !== undefined) return this.submitConstrained(request, listener, onAdmitted);
    this.addRequest(request, listener);
    onAdmitted?.();
    return this.settled(request.id);
  }

  private async submitConstrained(request: EngineRequest, listener?: OutputListener, onAdmitted?: () => void): Promise<RequestResult> {
    this.checkNewId(request);
    const sampling = validateRequest(request, this.model, randomSeed);
    const constraint = await this.grammars.prepare(request.id, request.constraint!);
    if (constraint === undefined) return abortedBeforeAdmission(request, listener);
    this.admit(request, sampling, constraint, listener);
    onAdmitted?.();
    return this.settled(request.id);
  }

  private checkNewId(request: EngineRequest): void {
    if (this.live.has(request?.id) || this.grammars.has(request?.id)) {
      throw new LlmError('invalid_argument', `a request with id "${request.id}" is already running`, 'id');
    }
  }

  private admit(request: EngineRequest, sampling: Sequence['sampling'], constraint: TokenConstraint | undefined, listener?: OutputListener): void {
    const seq = new Sequence(request.id, [...request.promptIds], sampling, this.model.generationConfig.eosTokenIds, this.arrivals++, constraint);
    const wants = { wantsFirstLogits: request.returnFirstLogits === true, reportsPrefill: request.reportPrefill === true };
    this.live.set(seq.id, { seq, listener, logprobs: [], ...wants, prefilled: 0 });
    this.tracker.latencies.arrived(seq);
    this.scheduler.add(seq);
  }

  private settled(id: string): Promise<RequestResult> {
    const result = new Promise<RequestResult>((resolve, reject) => (this.live.get(id)!.settle = { resolve, reject }));
    this.loop ??= this.runLoop();
    return result;
  }

  /** Ends a request now: it leaves the batch and its blocks return to the pool. */
  abort(id: string): boolean {
    if (this.grammars.abort(id)) return true;
    const live = this.live.get(id);
    if (live === undefined) return false;
    this.retire(live, 'abort', []);
    return true;
  }

  /**
   * One turn of the step loop: schedule and launch step n + 1 (its forward pass goes to the GPU
   * while step n is still running there), then read step n back and postprocess it, then submit
   * step n + 1's sampling, whose rows see step n's tokens. Returns step n's statistics, if any.
   * With `pipeline: false` a step is scheduled, run and postprocessed before the next.
   */
  async step(): Promise<StepStats | undefined> {
    // Another Engine on the model may be writing its KV pool: wait for it, then forget cached blocks.
    if (this.hasWork && this.inFlight === undefined && (await this.pool.acquire(this))) this.blocks.resetPrefixCache();
    const previous = this.pipeline ? this.inFlight : undefined;
    const next = this.launch();
    if (!this.pipeline && next !== undefined) await this.sampleWhenMasksReady(next);
    const done = this.pipeline ? previous : next;
    let discarded = 0;
    let finishedAt = 0;
    if (done !== undefined) {
      const output = await done.output!;
      const started = performance.now();
      reportPrefill(this.live, done.prefill);
      discarded = this.postprocess(done, output);
      finishedAt = performance.now();
      done.cpuMs += finishedAt - started;
    }
    if (this.pipeline && next !== undefined && next.output === undefined) await this.sampleWhenMasksReady(next);
    this.inFlight = this.pipeline ? next : undefined;
    if (!this.hasWork && this.inFlight === undefined) this.pool.release(this);
    if (done === undefined) return undefined;
    const stats = this.tracker.record(done.plan, { durationMs: finishedAt - done.launchedAt, cpuMs: done.cpuMs, finishedAt }, discarded, done.decodeOnly);
    this.options.onStep?.(stats);
    return stats;
  }

  stats(): EngineStats {
    return this.tracker.snapshot();
  }

  /** Schedules the next step and submits its forward pass; undefined when nothing can run. */
  private launch(): LaunchedStep | undefined {
    const launchedAt = performance.now();
    const plan = this.scheduler.schedule();
    if (plan.scheduled.length === 0) {
      if (plan.preempted.length > 0) this.tracker.record(plan, { durationMs: 0, cpuMs: 0, finishedAt: launchedAt });
      return undefined;
    }
    const built = this.builder.build(plan.scheduled);
    // Both read the rows' starts, which the next line moves on.
    const marks = { decodeOnly: isDecodeOnly(plan.scheduled), prefill: prefillMarks(plan.scheduled) };
    for (const { seq, numNewTokens } of plan.scheduled) seq.numComputedTokens += numNewTokens;
    built.samplers.forEach((seq, row) => {
      seq.numPendingTokens++;
      seq.lastSampleRow = row;
    });
    this.model.runner.submitForward(built.batch, built.feeds);
    const step: LaunchedStep = { plan, built, launchedAt, ...marks, cpuMs: performance.now() - launchedAt };
    // Nothing in its sampling waits for step n's tokens: sample in this turn, no gap on the GPU.
    if (this.pipeline && built.samplers.every(samplesWithoutCpu)) this.submitSampling(step);
    return step;
  }

  /** Submits a step's sampling once its grammars' masks are in; a request whose grammar failed ends alone. */
  private async sampleWhenMasksReady(step: LaunchedStep): Promise<void> {
    const failed = await awaitMasks(step.built.samplers);
    for (const [seq, error] of failed) {
      const live = this.live.get(seq.id);
      if (live?.seq === seq) this.fail(live, error instanceof Error ? error : new Error(String(error)));
    }
    this.submitSampling(step);
  }

  /** Writes a launched step's sampling rows, as its sequences stand now, and submits its sampler. */
  private submitSampling(step: LaunchedStep): void {
    const started = performance.now();
    const { samplers } = step.built;
    const sampling = this.builder.samplingRows(samplers, (seq) => this.live.get(seq.id)?.seq === seq);
    step.output = this.model.runner.sample({ sampling, readLogits: this.wantsLogits(samplers) });
    step.output.catch(() => undefined); // awaited a turn later; a failure surfaces there
    step.cpuMs += performance.now() - started;
  }

  /** Appends each sampled token, retires finished requests; returns how many tokens were dropped. */
  private postprocess({ built }: LaunchedStep, output: StepOutput): number {
    let discarded = 0;
    const now = performance.now();
    built.samplers.forEach((seq, row) => {
      const live = this.live.get(seq.id);
      // Finished or aborted while the step ran: its token is discarded, never emitted or cached.
      if (live === undefined || live.seq !== seq) {
        discarded++;
        return;
      }
      // NaN or ±Inf logits (bad weights, an overflow): the token means nothing; this request ends, the others go on.
      if (output.nonFiniteLogits[row] === 1) {
        this.fail(live, new LlmError('numerical_error', `request ${seq.id}: the model produced NaN or infinite logits for this request`));
        return;
      }
      const tokenId = output.tokenIds[row]!;
      if (seq.constraint?.acceptToken(tokenId) === false) {
        this.fail(live, new Error(`request ${seq.id}: the sampler chose token ${tokenId}, which its grammar does not allow (a bug)`));
        return;
      }
      if (live.wantsFirstLogits && seq.numOutputTokens === 0) live.firstLogits = rowLogits(output, row, this.model.config.vocabSize);
      const logprob = seq.sampling.logprobs === undefined ? undefined : output.logprob(row);
      if (logprob !== undefined) live.logprobs.push(logprob);
      this.tracker.latencies.sampled(seq, now);
      const finish = seq.appendToken(tokenId);
      if (finish !== undefined) this.retire(live, finish, [tokenId], logprob);
      else notify(live, outputOf(seq, [tokenId], logprob, undefined));
    });
    return discarded;
  }

  /** Whether a request sampling its first token in this step asked for that token's logits. */
  private wantsLogits(samplers: readonly Sequence[]): boolean {
    return samplers.some((seq) => seq.numOutputTokens + seq.numPendingTokens === 1 && this.live.get(seq.id)?.wantsFirstLogits === true);
  }

  private retire(live: Live, reason: FinishReason, tokenIds: number[], logprob?: TokenLogprob): void {
    const { seq } = live;
    this.scheduler.finish(seq, reason);
    this.live.delete(seq.id);
    this.tracker.finished(seq, reason);
    seq.constraint?.dispose();
    notify(live, outputOf(seq, tokenIds, logprob, reason));
    live.settle?.resolve(resultOf(live, reason));
  }

  /** Ends one request with an error (finish 'abort' for its listener); the others keep running. */
  private fail(live: Live, error: Error): void {
    const { seq } = live;
    console.error(error);
    this.scheduler.finish(seq, 'abort');
    this.live.delete(seq.id);
    this.tracker.finished(seq, 'abort');
    seq.constraint?.dispose();
    notify(live, outputOf(seq, [], undefined, 'abort'));
    live.settle?.reject(error);
  }

  private async runLoop(): Promise<void> {
    try {
      // Let requests submitted in the same turn (or already queued as messages) join the first step.
      await new Promise((resolve) => setTimeout(resolve, 0));
      while (this.hasWork || this.inFlight !== undefined) await this.step();
    } catch (error) {
      // A failed step (device lost, GPU validation) fails every request in flight, not silently.
      for (const live of [...this.live.values()]) {
        this.scheduler.finish(live.seq, 'abort');
        this.live.delete(live.seq.id);
        live.seq.constraint?.dispose();
        live.settle?.reject(error);
      }
    } finally {
      this.inFlight = undefined;
      this.loop = undefined;
      // Requests aborted between steps leave nothing to step, and so no step to hand the pool back.
      if (!this.hasWork) this.pool.release(this);
    }
  }
}
