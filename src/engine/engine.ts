/**
 * The serving engine: requests in, one token per running request per step out. Each step
 * schedules (scheduler.ts), runs one batched forward pass with GPU sampling (one submission, one
 * readback), then appends the sampled tokens and retires finished requests. It runs in-process
 * (Node, tests, CLI) or inside a Web Worker (worker-host.ts); `submit` drives the step loop.
 * A constrained request samples under its grammar's token mask, and its grammar accepts each token.
 * An Engine writes its model's KV pool only while it holds the pool's lease (kv-pool-lease.ts): from
 * its first step with work until it has none, so Engines sharing a model take turns, never mix blocks.
 */
import type { ConstraintSpec } from '../constraint/constraint-spec.ts';
import type { TokenConstraint } from '../constraint/token-constraint.ts';
import { LlmError } from '../errors.ts';
import type { KvCache } from '../model/kv-cache.ts';
import type { LoadedModel } from '../model/load-model.ts';
import type { StepOutput } from '../model/model-runner.ts';
import { BlockManager } from './block-manager.ts';
import { KvPoolLease } from './kv-pool-lease.ts';
import type { EngineRequest, EngineStats, RequestOutput, RequestResult, StepStats, TokenLogprob } from './engine-types.ts';
import { EngineStatsTracker } from './engine-stats.ts';
import { validateRequest } from './request-validation.ts';
import { Scheduler, type SchedulerOutput } from './scheduler.ts';
import { Sequence, type FinishReason } from './sequence.ts';
import { StepBuilder, type BuiltStep } from './step-builder.ts';

export interface EngineOptions {
  /** Reuse KV blocks of identical prompt prefixes across requests (default true). */
  readonly enablePrefixCaching?: boolean;
  /** Called after every step with its statistics. */
  readonly onStep?: (stats: StepStats) => void;
  /**
   * A request's constraint → its token constraint (one compiler per model, e.g.
   * src/constraint/model-constraints.ts); throws a typed error for a bad spec. Without it,
   * constrained requests are refused.
   */
  readonly compileConstraint?: (spec: ConstraintSpec) => TokenConstraint;
}

export type OutputListener = (output: RequestOutput) => void;

interface Live {
  readonly seq: Sequence;
  readonly listener: OutputListener | undefined;
  readonly logprobs: TokenLogprob[];
  /** Set by submit(); a request added with addRequest() is followed through its listener only. */
  settle?: { resolve(result: RequestResult): void; reject(error: unknown): void };
  readonly wantsFirstLogits: boolean;
  /** The logits its first output token was sampled from, when it asked for them. */
  firstLogits?: Float32Array;
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
    latest.set(model.kvCache, this);
  }

  /** Ids of the requests not finished yet. */
  requestIds(): string[] {
    return [...this.live.keys()];
  }

  get hasWork(): boolean {
    return this.scheduler.hasWork;
  }

  /** Queues a request; throws a typed error (and changes nothing) if it is invalid. */
  addRequest(request: EngineRequest, listener?: OutputListener): void {
    if (this.live.has(request?.id)) throw new LlmError('invalid_argument', `a request with id "${request.id}" is already running`, 'id');
    const sampling = validateRequest(request, this.model, randomSeed);
    // Compiled last: nothing after it can refuse the request (and leak the constraint).
    const constraint = request.constraint === undefined ? undefined : this.compileConstraint(request.constraint);
    const seq = new Sequence(request.id, [...request.promptIds], sampling, this.model.generationConfig.eosTokenIds, this.arrivals++, constraint);
    this.live.set(seq.id, { seq, listener, logprobs: [], wantsFirstLogits: request.returnFirstLogits === true });
    this.scheduler.add(seq);
  }

  /** Queues a request and steps the engine until it finishes. */
  submit(request: EngineRequest, listener?: OutputListener): Promise<RequestResult> {
    this.addRequest(request, listener);
    const result = new Promise<RequestResult>((resolve, reject) => (this.live.get(request.id)!.settle = { resolve, reject }));
    this.loop ??= this.runLoop();
    return result;
  }

  /** Ends a request now: it leaves the batch and its blocks return to the pool. */
  abort(id: string): boolean {
    const live = this.live.get(id);
    if (live === undefined) return false;
    this.retire(live, 'abort', []);
    return true;
  }

  async step(): Promise<StepStats> {
    // Another Engine on the model may be writing its KV pool: wait for it, then forget cached blocks.
    if (this.hasWork && (await this.pool.acquire(this))) this.blocks.resetPrefixCache();
    const started = performance.now();
    const plan = this.scheduler.schedule();
    if (plan.scheduled.length > 0) {
      const built = this.builder.build(plan.scheduled);
      const output = await this.model.runner.step(built.batch, { sampling: built.sampling, readLogits: this.wantsLogits(built) });
      this.postprocess(plan, built, output);
    }
    if (!this.hasWork) this.pool.release(this);
    const stats = this.tracker.record(plan, performance.now() - started);
    this.options.onStep?.(stats);
    return stats;
  }

  stats(): EngineStats {
    return this.tracker.snapshot();
  }

  private postprocess(plan: SchedulerOutput, built: BuiltStep, output: StepOutput): void {
    for (const { seq, numNewTokens } of plan.scheduled) seq.numComputedTokens += numNewTokens;
    built.samplers.forEach((seq, row) => {
      const live = this.live.get(seq.id);
      if (live === undefined || live.seq !== seq) return; // aborted while the step ran
      const tokenId = output.tokenIds[row]!;
      if (seq.constraint?.acceptToken(tokenId) === false) {
        this.fail(live, new Error(`request ${seq.id}: the sampler chose token ${tokenId}, which its grammar does not allow (a bug)`));
        return;
      }
      if (live.wantsFirstLogits && seq.numOutputTokens === 0) live.firstLogits = rowLogits(output, row, this.model.config.vocabSize);
      const logprob = seq.sampling.logprobs === undefined ? undefined : output.logprob(row);
      if (logprob !== undefined) live.logprobs.push(logprob);
      const finish = seq.appendToken(tokenId);
      if (finish !== undefined) this.retire(live, finish, [tokenId], logprob);
      else notify(live, this.output(seq, [tokenId], logprob, undefined));
    });
  }

  /** Whether a request sampling its first token in this step asked for that token's logits. */
  private wantsLogits(built: BuiltStep): boolean {
    return built.samplers.some((seq) => seq.numOutputTokens === 0 && this.live.get(seq.id)?.wantsFirstLogits === true);
  }

  private compileConstraint(spec: ConstraintSpec): TokenConstraint {
    if (this.options.compileConstraint === undefined) {
      throw new LlmError('unsupported_option', 'constrained decoding (response_format, tool_choice) needs a constraint compiler, and this engine has none', 'constraint');
    }
    return this.options.compileConstraint(spec);
  }

  private retire(live: Live, reason: FinishReason, tokenIds: number[], logprob?: TokenLogprob): void {
    const { seq } = live;
    this.scheduler.finish(seq, reason);
    this.live.delete(seq.id);
    this.tracker.finished(seq, reason);
    seq.constraint?.dispose();
    notify(live, this.output(seq, tokenIds, logprob, reason));
    const result: RequestResult = {
      id: seq.id,
      completionIds: seq.outputIds,
      finishReason: reason,
      numPromptTokens: seq.numPromptTokens,
      numCachedTokens: seq.numCachedPromptTokens,
      ...(seq.sampling.logprobs === undefined ? {} : { logprobs: live.logprobs }),
      ...(live.firstLogits === undefined ? {} : { firstLogits: live.firstLogits }),
    };
    live.settle?.resolve(result);
  }

  /** Ends one request with an error (finish 'abort' for its listener); the others keep running. */
  private fail(live: Live, error: Error): void {
    const { seq } = live;
    console.error(error);
    this.scheduler.finish(seq, 'abort');
    this.live.delete(seq.id);
    this.tracker.finished(seq, 'abort');
    seq.constraint?.dispose();
    notify(live, this.output(seq, [], undefined, 'abort'));
    live.settle?.reject(error);
  }

  private output(seq: Sequence, tokenIds: number[], logprob: TokenLogprob | undefined, finishReason: FinishReason | undefined): RequestOutput {
    return {
      requestId: seq.id,
      tokenIds,
      ...(logprob === undefined ? {} : { logprobs: [logprob] }),
      ...(finishReason === undefined ? {} : { finishReason }),
      numPromptTokens: seq.numPromptTokens,
      numCachedTokens: seq.numCachedPromptTokens,
    };
  }

  private async runLoop(): Promise<void> {
    try {
      // Let requests submitted in the same turn (or already queued as messages) join the first step.
      await new Promise((resolve) => setTimeout(resolve, 0));
      while (this.hasWork) await this.step();
    } catch (error) {
      // A failed step (device lost, GPU validation) fails every request in flight, not silently.
      for (const live of [...this.live.values()]) {
        this.scheduler.finish(live.seq, 'abort');
        this.live.delete(live.seq.id);
        live.seq.constraint?.dispose();
        live.settle?.reject(error);
      }
    } finally {
      this.loop = undefined;
      // Requests aborted between steps leave nothing to step, and so no step to hand the pool back.
      if (!this.hasWork) this.pool.release(this);
    }
  }
}

/** A listener that throws must not stop the engine serving everyone else. */
function notify(live: Live, output: RequestOutput): void {
  try {
    live.listener?.(output);
  } catch (error) {
    console.error(`output listener of request ${output.requestId} threw`, error);
  }
}

/** One sample row's (vocab) logits, copied out of the step's (sampleRows, vocab) readback. */
function rowLogits(output: StepOutput, row: number, vocabSize: number): Float32Array {
  if (output.logits === undefined) throw new Error('the step read back no logits, though a request asked for them (a bug)');
  return output.logits.slice(row * vocabSize, (row + 1) * vocabSize);
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
