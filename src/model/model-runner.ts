/**
 * Runs one forward step: write the step's inputs, encode the whole forward pass into one compute
 * pass, copy the sampled token ids (and, when asked, the logits) to mappable buffers, submit once,
 * and read back once. No GPU object is created per step; the inputs and readbacks reuse buffers.
 */
import { awaitGpu } from '../gpu/await-gpu.ts';
import type { RowCounts } from '../gpu/kernel.ts';
import type { ModelConfig } from './config.ts';
import { ForwardPass } from './forward-pass.ts';
import type { KvCache } from './kv-cache.ts';
import type { ModelWeights } from './model-weights.ts';
import type { StepBatch, StepLimits } from './step-batch.ts';

export interface StepOutput {
  /** The greedy next token of each sample row, in sampleRows order. */
  readonly tokenIds: Uint32Array;
  /** (sampleRows, vocab) logits, only when the step asked for them. */
  readonly logits: Float32Array | undefined;
}

export class ModelRunner {
  readonly forward: ForwardPass;
  private readonly idsReadback: GPUBuffer;
  private logitsReadback: GPUBuffer | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly config: ModelConfig,
    weights: ModelWeights,
    cache: KvCache,
    readonly limits: StepLimits,
    decodeLanes: number,
  ) {
    this.forward = new ForwardPass(device, config, weights, cache, limits, decodeLanes);
    this.idsReadback = device.createBuffer({
      label: 'readback.ids',
      size: Math.max(16, limits.maxSeqs * 4),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  async step(batch: StepBatch, options: { readLogits?: boolean } = {}): Promise<StepOutput> {
    const counts: RowCounts = { tokens: batch.tokenIds.length, sampleRows: batch.sampleRows.length };
    this.forward.inputs.write(batch);
    this.forward.uniforms.write(counts);
    const encoder = this.device.createCommandEncoder({ label: 'step' });
    const pass = encoder.beginComputePass({ label: 'step.forward' });
    this.forward.encode(pass, counts);
    pass.end();
    const idBytes = counts.sampleRows * 4;
    const logitBytes = counts.sampleRows * this.config.vocabSize * 4;
    const logitsReadback = options.readLogits === true && counts.sampleRows > 0 ? this.logitsBuffer() : undefined;
    if (idBytes > 0) encoder.copyBufferToBuffer(this.forward.activations.sampledIds, 0, this.idsReadback, 0, idBytes);
    if (logitsReadback !== undefined) encoder.copyBufferToBuffer(this.forward.activations.logits, 0, logitsReadback, 0, logitBytes);
    this.device.queue.submit([encoder.finish()]);
    if (idBytes === 0) return { tokenIds: new Uint32Array(0), logits: undefined };
    // One wait covers both copies: they finish with the same submission.
    await awaitGpu(Promise.all([
      this.idsReadback.mapAsync(GPUMapMode.READ, 0, idBytes),
      ...(logitsReadback === undefined ? [] : [logitsReadback.mapAsync(GPUMapMode.READ, 0, logitBytes)]),
    ]));
    const tokenIds = new Uint32Array(this.idsReadback.getMappedRange(0, idBytes).slice(0));
    this.idsReadback.unmap();
    let logits: Float32Array | undefined;
    if (logitsReadback !== undefined) {
      logits = new Float32Array(logitsReadback.getMappedRange(0, logitBytes).slice(0));
      logitsReadback.unmap();
    }
    return { tokenIds, logits };
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
