/**
 * Runs one forward step: write the step's inputs and sampling rows, encode the whole forward pass
 * (sampling included) into one compute pass, copy the sampled ids and logprobs (and, when asked,
 * the logits) to mappable buffers, submit once, and read back once. No GPU object is created per
 * step; the inputs and readbacks reuse buffers.
 */
import { awaitGpu } from '../gpu/await-gpu.ts';
import type { KernelTarget } from '../gpu/kernel-target.ts';
import type { RowCounts } from '../gpu/kernel.ts';
import { SamplerKernel, decodeSamplerOutput } from '../gpu/kernels/sampler.ts';
import type { SamplerRow } from '../gpu/kernels/sampler-row.ts';
import type { ModelConfig } from './config.ts';
import { ForwardPass } from './forward-pass.ts';
import type { KvCache } from './kv-cache.ts';
import type { ModelWeights } from './model-weights.ts';
import type { StepBatch, StepLimits } from './step-batch.ts';

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
  private readonly idsReadback: GPUBuffer;
  private logitsReadback: GPUBuffer | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly device: GPUDevice,
    private readonly config: ModelConfig,
    weights: ModelWeights,
    cache: KvCache,
    readonly limits: StepLimits,
    /** The adapter's kind and features, which pick the kernel variants. */
    target: KernelTarget,
  ) {
    this.forward = new ForwardPass(device, config, weights, cache, limits, target);
    this.idsReadback = device.createBuffer({
      label: 'readback.ids',
      size: Math.max(16, limits.maxSeqs * SamplerKernel.outWords * 4),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /**
   * Runs one step. Steps are serialised: the inputs and readback buffers are shared, so a step
   * asked for while another is in flight (two engines on one model) waits for it.
   */
  step(batch: StepBatch, options: StepOptions = {}): Promise<StepOutput> {
    const run = this.queue.then(() => this.runStep(batch, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runStep(batch: StepBatch, options: StepOptions): Promise<StepOutput> {
    const counts: RowCounts = { tokens: batch.tokenIds.length, sampleRows: batch.sampleRows.length };
    const sampling = options.sampling ?? Array.from({ length: counts.sampleRows }, () => greedyRow);
    if (sampling.length !== counts.sampleRows) throw new RangeError(`${sampling.length} sampling rows for ${counts.sampleRows} sample rows`);
    this.forward.inputs.write(batch);
    this.forward.samplerInputs.write(sampling);
    this.forward.uniforms.write(counts);
    const encoder = this.device.createCommandEncoder({ label: 'step' });
    const pass = encoder.beginComputePass({ label: 'step.forward' });
    this.forward.encode(pass, counts);
    pass.end();
    const idBytes = counts.sampleRows * SamplerKernel.outWords * 4;
    const logitBytes = counts.sampleRows * this.config.vocabSize * 4;
    const logitsReadback = options.readLogits === true && counts.sampleRows > 0 ? this.logitsBuffer() : undefined;
    if (idBytes > 0) encoder.copyBufferToBuffer(this.forward.activations.sampled, 0, this.idsReadback, 0, idBytes);
    if (logitsReadback !== undefined) encoder.copyBufferToBuffer(this.forward.activations.logits, 0, logitsReadback, 0, logitBytes);
    this.device.queue.submit([encoder.finish()]);
    if (idBytes === 0) return { tokenIds: new Uint32Array(0), logprob: noRow, logits: undefined };
    // One wait covers both copies: they finish with the same submission.
    await awaitGpu(Promise.all([
      this.idsReadback.mapAsync(GPUMapMode.READ, 0, idBytes),
      ...(logitsReadback === undefined ? [] : [logitsReadback.mapAsync(GPUMapMode.READ, 0, logitBytes)]),
    ]));
    const words = new Uint32Array(this.idsReadback.getMappedRange(0, idBytes).slice(0));
    this.idsReadback.unmap();
    const decoded = decodeSamplerOutput(words, counts.sampleRows, sampling.map((row) => row.numLogprobs));
    let logits: Float32Array | undefined;
    if (logitsReadback !== undefined) {
      logits = new Float32Array(logitsReadback.getMappedRange(0, logitBytes).slice(0));
      logitsReadback.unmap();
    }
    return {
      tokenIds: decoded.tokenIds,
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
    this.idsReadback.destroy();
    this.logitsReadback?.destroy();
  }
}
