/**
 * Runs forward steps in two submissions: the forward pass up to the logits, then the sampler with
 * a copy of the sampled ids and logprobs (and, when asked, the logits) to a mappable buffer, read
 * back once. Split so a pipelined engine can submit step n + 1's forward pass before it reads step
 * n back, and write step n + 1's sampling rows (masks, penalties) only once step n's tokens are
 * known. No GPU object is created per step; inputs and readbacks reuse buffers.
 */
import { awaitGpu } from '../gpu/await-gpu.ts';
import type { KernelTarget } from '../gpu/kernel-target.ts';
import type { PassTimestamps, StepPassKind } from '../gpu/pass-timestamps.ts';
import type { RowCounts } from '../gpu/kernel.ts';
import { SamplerKernel, decodeSamplerOutput } from '../gpu/kernels/sampler.ts';
import type { SamplerRow } from '../gpu/kernels/sampler-row.ts';
import type { ModelConfig } from './config.ts';
import { ForwardPass } from './forward-pass.ts';
import type { KvCache } from './kv-cache.ts';
import type { ModelWeights } from './model-weights.ts';
import type { StepBatch, StepLimits, TokenFeed } from './step-batch.ts';

export interface TokenLogprob {
  readonly tokenId: number;
  readonly logprob: number;
  /** The most likely tokens at this position, most likely first (as many as asked). */
  readonly top: readonly { readonly tokenId: number; readonly logprob: number }[];
}

export interface StepOutput {
  /** The next token of each sample row, in sampleRows order. */
  readonly tokenIds: Uint32Array;
  /** The sampled token's logprob and the row's top logprobs (as many as the row asked for). */
  logprob(row: number): TokenLogprob;
  /** (sampleRows, vocab) raw logits, only when the step asked for them. */
  readonly logits: Float32Array | undefined;
  /** 1 for a sample row whose logits hold a NaN or ±Inf: the model failed for that request. */
  readonly nonFiniteLogits: Uint8Array;
}

export interface StepOptions {
  /** One per sample row; greedy for every row when absent. */
  readonly sampling?: readonly SamplerRow[] | undefined;
  readonly readLogits?: boolean;
}

/** Greedy, no penalties: what a step samples with when the caller gives no parameters. */
export const greedyRow: SamplerRow = {
  temperature: 0, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0,
  seedLo: 0, seedHi: 0, counter: 0, numLogprobs: 0, entries: [],
};

function noRow(row: number): never {
  throw new RangeError(`the step sampled no row ${row}`);
}

export class ModelRunner {
  readonly forward: ForwardPass;
  /** Two, used in turn: one step's ids can be mapped while the next step's are copied. */
  private readonly idsReadbacks: readonly GPUBuffer[];
  private nextReadback = 0;
  private logitsReadback: GPUBuffer | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** The counts of the step whose forward pass was submitted last (what sample() samples). */
  private counts: RowCounts = { tokens: 0, sampleRows: 0 };
  /** When set, every compute pass is timed through it (benchmarks). */
  passTimestamps: PassTimestamps | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly config: ModelConfig,
    /** The weights the forward pass reads (tests write into them to make a model fail numerically). */
    readonly weights: ModelWeights,
    cache: KvCache,
    readonly limits: StepLimits,
    /** The adapter's kind and features, which pick the kernel variants. */
    target: KernelTarget,
  ) {
    this.forward = new ForwardPass(device, config, weights, cache, limits, target);
    this.idsReadbacks = [0, 1].map((i) => device.createBuffer({
      label: `readback.ids${i}`,
      size: Math.max(16, limits.maxSeqs * SamplerKernel.outWords * 4),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    }));
  }

  /**
   * Runs one step: its forward pass, then its sampling, read back. Steps are serialised: the
   * inputs and readback buffers are shared, so a step asked for while another is in flight (two
   * engines on one model) waits for it.
   */
  step(batch: StepBatch, options: StepOptions = {}): Promise<StepOutput> {
    const run = this.queue.then(() => {
      this.submitForward(batch);
      return this.sample(options);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes a step's inputs and submits its forward pass, up to the logits. `feeds` rows take their
   * token from the previous step's sampler output on the GPU, so this may be called before that
   * step is read back: the queue runs the previous sampling first. The caller keeps the order
   * submitForward(n), sample(n), submitForward(n + 1), sample(n + 1), … and awaits each sample
   * before the one after next (two readback buffers).
   */
  submitForward(batch: StepBatch, feeds: readonly TokenFeed[] = []): void {
    const counts: RowCounts = { tokens: batch.tokenIds.length, sampleRows: batch.sampleRows.length };
    this.forward.inputs.write(batch);
    this.forward.tokenFeed.write(feeds);
    this.forward.uniforms.write(counts);
    this.counts = counts;
    const encoder = this.device.createCommandEncoder({ label: 'step.forward' });
    const pass = encoder.beginComputePass(this.passDescriptor('forward'));
    this.forward.encodeForward(pass, counts);
    pass.end();
    this.passTimestamps?.resolve(encoder);
    this.device.queue.submit([encoder.finish({ label: encoder.label })]);
  }

  /**
   * Samples the logits of the step submitted last (one row per sample row, greedy when `sampling`
   * is absent) and reads the ids, logprobs and, when asked, the logits back: one submission, one
   * readback.
   */
  async sample(options: StepOptions = {}): Promise<StepOutput> {
    const counts = this.counts;
    const sampling = options.sampling ?? Array.from({ length: counts.sampleRows }, () => greedyRow);
    if (sampling.length !== counts.sampleRows) throw new RangeError(`${sampling.length} sampling rows for ${counts.sampleRows} sample rows`);
    if (counts.sampleRows === 0) return { tokenIds: new Uint32Array(0), logprob: noRow, logits: undefined, nonFiniteLogits: new Uint8Array(0) };
    this.forward.samplerInputs.write(sampling);
    const encoder = this.device.createCommandEncoder({ label: 'step.sample' });
    const pass = encoder.beginComputePass(this.passDescriptor('sample'));
    this.forward.encodeSample(pass, counts);
    pass.end();
    const idBytes = counts.sampleRows * SamplerKernel.outWords * 4;
    const logitBytes = counts.sampleRows * this.config.vocabSize * 4;
    const idsReadback = this.idsReadbacks[this.nextReadback]!;
    this.nextReadback = 1 - this.nextReadback;
    const logitsReadback = options.readLogits === true ? this.logitsBuffer() : undefined;
    encoder.copyBufferToBuffer(this.forward.activations.sampled, 0, idsReadback, 0, idBytes);
    if (logitsReadback !== undefined) encoder.copyBufferToBuffer(this.forward.activations.logits, 0, logitsReadback, 0, logitBytes);
    this.passTimestamps?.resolve(encoder);
    this.device.queue.submit([encoder.finish({ label: encoder.label })]);
    // One wait covers both copies: they finish with the same submission.
    await awaitGpu(Promise.all([
      idsReadback.mapAsync(GPUMapMode.READ, 0, idBytes),
      ...(logitsReadback === undefined ? [] : [logitsReadback.mapAsync(GPUMapMode.READ, 0, logitBytes)]),
    ]));
    const words = new Uint32Array(idsReadback.getMappedRange(0, idBytes).slice(0));
    idsReadback.unmap();
    const decoded = decodeSamplerOutput(words, counts.sampleRows, sampling.map((row) => row.numLogprobs));
    let logits: Float32Array | undefined;
    if (logitsReadback !== undefined) {
      logits = new Float32Array(logitsReadback.getMappedRange(0, logitBytes).slice(0));
      logitsReadback.unmap();
    }
    return {
      tokenIds: decoded.tokenIds,
      nonFiniteLogits: decoded.nonFiniteLogits,
      logprob: (row) => {
        const top = decoded.top[row]!;
        return {
          tokenId: decoded.tokenIds[row]!,
          logprob: decoded.logprobs[row]!,
          top: top.ids.map((tokenId, i) => ({ tokenId, logprob: top.logprobs[i]! })),
        };
      },
      logits,
    };
  }

  private passDescriptor(kind: StepPassKind): GPUComputePassDescriptor {
    const timestampWrites = this.passTimestamps?.writesFor(kind);
    return { label: `step.${kind}`, ...(timestampWrites === undefined ? {} : { timestampWrites }) };
  }

  /** Logits are a debugging and testing aid, so their buffer is only made when first asked for. */
  private logitsBuffer(): GPUBuffer {
    this.logitsReadback ??= this.device.createBuffer({
      label: 'readback.logits',
      size: this.limits.maxSeqs * this.config.vocabSize * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    return this.logitsReadback;
  }

  destroy(): void {
    this.forward.destroy();
    for (const buffer of this.idsReadbacks) buffer.destroy();
    this.logitsReadback?.destroy();
  }
}
