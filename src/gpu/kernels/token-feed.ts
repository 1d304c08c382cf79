/**
 * Wrapper for feed_tokens.wgsl: copies the previous step's sampled ids into this step's token ids
 * on the GPU (pipelined decoding). Owns the small feed list it reads, written once per step.
 */
import feedCode from '../../../shaders/feed_tokens.wgsl?raw';
import { bindGroup, ceilDiv, getPipeline, type KernelCall, type PipelineHandle } from '../kernel.ts';

export interface TokenFeedPair {
  /** The step row whose token is fed. */
  readonly row: number;
  /** The previous step's sample row that sampled it. */
  readonly sampleRow: number;
}

export class TokenFeedKernel {
  private readonly pipeline: PipelineHandle;
  private readonly feeds: GPUBuffer;
  private readonly staging: Uint32Array<ArrayBuffer>;
  private readonly call: KernelCall;
  private count = 0;

  /** `sampled`: the sampler's (maxSeqs, outWords) output; `tokenIds`: the step's input ids. */
  constructor(private readonly device: GPUDevice, private readonly maxFeeds: number, outWords: number, sampled: GPUBuffer, tokenIds: GPUBuffer) {
    this.pipeline = getPipeline(device, 'feedTokens', feedCode, { OUT_WORDS: outWords });
    this.staging = new Uint32Array(1 + 2 * maxFeeds);
    this.feeds = device.createBuffer({ label: 'step.feeds', size: this.staging.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    const binding = bindGroup(device, 'feedTokens', this.pipeline, [this.feeds, sampled, tokenIds]);
    const grid = ceilDiv(maxFeeds, 64);
    this.call = {
      label: 'feedTokens',
      encode: (pass) => {
        if (this.count === 0) return;
        binding.set(pass);
        pass.dispatchWorkgroups(grid);
      },
    };
  }

  /** Writes this step's feed list (queue-ordered: after the previous step's submission). */
  write(feeds: readonly TokenFeedPair[]): void {
    if (feeds.length > this.maxFeeds) throw new RangeError(`${feeds.length} token feeds > capacity ${this.maxFeeds}`);
    this.count = feeds.length;
    if (feeds.length === 0) return;
    this.staging[0] = feeds.length;
    feeds.forEach(({ row, sampleRow }, i) => {
      this.staging[1 + 2 * i] = row;
      this.staging[2 + 2 * i] = sampleRow;
    });
    this.device.queue.writeBuffer(this.feeds, 0, this.staging, 0, 1 + 2 * feeds.length);
  }

  /** The dispatch, first in the forward pass; nothing when the step feeds no row. */
  bind(): KernelCall {
    return this.call;
  }

  destroy(): void {
    this.feeds.destroy();
  }
}
