/**
 * What one forward step runs on, as the scheduler hands it over, and the GPU buffers those
 * inputs live in (allocated once at their maximum size; each step only writes them).
 */
export interface StepBatch {
  /** Token to embed for each row (prompt-chunk tokens and decode tokens, any order). */
  readonly tokenIds: ArrayLike<number>;
  /** Absolute position of each row's token in its sequence. */
  readonly positions: ArrayLike<number>;
  /** KV slot (physical block · blockSize + offset) each row's key and value go to. */
  readonly slotMapping: ArrayLike<number>;
  /** Which block-table row (sequence in this step) each token row belongs to. */
  readonly tokenSeq: ArrayLike<number>;
  /** (numSeqs, maxBlocksPerSeq) physical block ids, row-major. */
  readonly blockTables: Uint32Array<ArrayBuffer>;
  /** Token rows whose next token is sampled (for each sequence, its last row when it samples). */
  readonly sampleRows: ArrayLike<number>;
}

/** A row whose token is the previous step's sampled token, copied on the GPU (pipelined decoding). */
export type { TokenFeedPair as TokenFeed } from '../gpu/kernels/token-feed.ts';

export interface StepLimits {
  readonly maxTokens: number;
  readonly maxSeqs: number;
  readonly maxBlocksPerSeq: number;
}

/** GPU inputs a step derives from its batch on the CPU; owned (and destroyed) by StepInputBuffers. */
export interface DerivedStepInput {
  write(batch: StepBatch): void;
  destroy(): void;
}

export class StepInputBuffers {
  readonly tokenIds: GPUBuffer;
  readonly positions: GPUBuffer;
  readonly slotMapping: GPUBuffer;
  readonly tokenSeq: GPUBuffer;
  readonly blockTables: GPUBuffer;
  readonly sampleRows: GPUBuffer;
  private readonly staging: Uint32Array<ArrayBuffer>;

  /** `derived`: inputs computed on the CPU from each batch (e.g. attention's routing of rows), written with it. */
  constructor(private readonly device: GPUDevice, readonly limits: StepLimits, private readonly derived: readonly DerivedStepInput[] = []) {
    const create = (label: string, words: number) =>
      device.createBuffer({ label, size: Math.max(16, words * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.tokenIds = create('step.tokenIds', limits.maxTokens);
    this.positions = create('step.positions', limits.maxTokens);
    this.slotMapping = create('step.slotMapping', limits.maxTokens);
    this.tokenSeq = create('step.tokenSeq', limits.maxTokens);
    this.blockTables = create('step.blockTables', limits.maxSeqs * limits.maxBlocksPerSeq);
    this.sampleRows = create('step.sampleRows', limits.maxSeqs);
    this.staging = new Uint32Array(Math.max(limits.maxTokens, limits.maxSeqs * limits.maxBlocksPerSeq));
  }

  write(batch: StepBatch): void {
    const tokens = batch.tokenIds.length;
    if (tokens > this.limits.maxTokens) throw new RangeError(`step has ${tokens} tokens, more than ${this.limits.maxTokens}`);
    if (batch.sampleRows.length > this.limits.maxSeqs) throw new RangeError(`step samples ${batch.sampleRows.length} rows, more than ${this.limits.maxSeqs}`);
    this.writeWords(this.tokenIds, batch.tokenIds);
    this.writeWords(this.positions, batch.positions);
    this.writeWords(this.slotMapping, batch.slotMapping);
    this.writeWords(this.tokenSeq, batch.tokenSeq);
    this.writeWords(this.sampleRows, batch.sampleRows);
    if (batch.blockTables.length > 0) this.device.queue.writeBuffer(this.blockTables, 0, batch.blockTables);
    for (const input of this.derived) input.write(batch);
  }

  private writeWords(buffer: GPUBuffer, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    for (let i = 0; i < values.length; i++) this.staging[i] = values[i] as number;
    this.device.queue.writeBuffer(buffer, 0, this.staging, 0, values.length);
  }

  destroy(): void {
    for (const buffer of [this.tokenIds, this.positions, this.slotMapping, this.tokenSeq, this.blockTables, this.sampleRows]) buffer.destroy();
    for (const input of this.derived) input.destroy();
  }
}
