/**
 * Routes a step's rows to the split attention kernels, on the CPU from positions and tokenSeq
 * (both always written by the CPU): a run of consecutive rows of one sequence at consecutive
 * positions is one prompt chunk, cut into prefill tiles of ≤ split.tile rows; a run of one row (a
 * decode token) goes to the flash-decoding list, or becomes a one-row tile once that list holds
 * `decodeCapacity` rows. Owns the two lists on the GPU and the decode partials scratch, and keeps
 * the counts the kernels' grids are sized from.
 */
import { attentionWindow, firstKey, type AttentionShape } from './attention-shape.ts';
import type { AttentionSplit } from './attention-split.ts';

/** Words per list entry: decode (row, sequence, context, first key); tile (first row, rows, sequence, first position). */
const entryWords = 4;

export interface AttentionPlan {
  decodeCount: number;
  /** Partitions of the longest decode row's context (the decode grid's x). */
  partitions: number;
  tileCount: number;
}

/**
 * Fills `decodeRows` and `tiles` (entryWords each) and returns the counts; decode entries past
 * the count are zeroed (context 0), so a grid rounded up past them does nothing. `window` > 0: a
 * decode row's partitions cover only its last `window` keys (the sliding window).
 */
export function planAttention(
  positions: ArrayLike<number>, tokenSeq: ArrayLike<number>, split: Pick<AttentionSplit, 'tile' | 'partition'>,
  decodeRows: Uint32Array, tiles: Uint32Array, window = 0,
): AttentionPlan {
  const plan: AttentionPlan = { decodeCount: 0, partitions: 0, tileCount: 0 };
  const decodeCapacity = decodeRows.length / entryWords;
  const rows = positions.length;
  for (let first = 0; first < rows;) {
    const seq = tokenSeq[first] as number;
    const position = positions[first] as number;
    let end = first + 1;
    while (end < rows && tokenSeq[end] === seq && positions[end] === position + (end - first)) end++;
    if (end - first === 1 && plan.decodeCount < decodeCapacity) {
      const from = firstKey(window, position);
      putEntry(decodeRows, plan.decodeCount++, first, seq, position + 1, from);
      plan.partitions = Math.max(plan.partitions, Math.ceil((position + 1 - from) / split.partition));
    } else {
      for (let start = first; start < end; start += split.tile) {
        putEntry(tiles, plan.tileCount++, start, Math.min(split.tile, end - start), seq, position + (start - first));
      }
    }
    first = end;
  }
  decodeRows.fill(0, entryWords * plan.decodeCount);
  return plan;
}

function putEntry(list: Uint32Array, index: number, a: number, b: number, c: number, d: number): void {
  const at = index * entryWords;
  list[at] = a;
  list[at + 1] = b;
  list[at + 2] = c;
  list[at + 3] = d;
}

export interface AttentionWorkLimits {
  readonly maxTokens: number;
  /** Decode rows a step can hold in the flash-decoding list: one per sequence. */
  readonly maxSeqs: number;
}

export class AttentionWork {
  /** (maxSeqs, 4) u32 decode entries. */
  readonly decodeRows: GPUBuffer;
  /** (maxTokens, 4) u32 tile entries. */
  readonly tiles: GPUBuffer;
  /** (maxSeqs, q heads, maxPartitions, headDim / 4 + 1) vec4<f32>: the decode partitions' partials. */
  readonly partials: GPUBuffer;
  /** The last written step's counts. */
  plan: AttentionPlan = { decodeCount: 0, partitions: 0, tileCount: 0 };
  private readonly decodeStaging: Uint32Array<ArrayBuffer>;
  private readonly tileStaging: Uint32Array<ArrayBuffer>;
  private readonly window: number;

  constructor(private readonly device: GPUDevice, readonly split: AttentionSplit, shape: AttentionShape, limits: AttentionWorkLimits) {
    this.window = attentionWindow(shape);
    this.decodeStaging = new Uint32Array(limits.maxSeqs * entryWords);
    this.tileStaging = new Uint32Array(limits.maxTokens * entryWords);
    const create = (label: string, bytes: number) =>
      device.createBuffer({ label, size: Math.max(16, bytes), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.decodeRows = create('attention.decodeRows', this.decodeStaging.byteLength);
    this.tiles = create('attention.tiles', this.tileStaging.byteLength);
    this.partials = create('attention.partials', AttentionWork.partialsBytes(shape, split, limits.maxSeqs));
  }

  /** Scratch bytes: (Σ p·v, then m and Σ p) per decode row, query head and partition. */
  static partialsBytes(shape: AttentionShape, split: AttentionSplit, maxSeqs: number): number {
    return maxSeqs * shape.numHeads * split.maxPartitions * (shape.headDim / 4 + 1) * 16;
  }

  /** Plans the step and writes both lists (queue-ordered before the step's submission). */
  write(batch: { readonly positions: ArrayLike<number>; readonly tokenSeq: ArrayLike<number> }): void {
    this.plan = planAttention(batch.positions, batch.tokenSeq, this.split, this.decodeStaging, this.tileStaging, this.window);
    this.device.queue.writeBuffer(this.decodeRows, 0, this.decodeStaging);
    if (this.plan.tileCount > 0) this.device.queue.writeBuffer(this.tiles, 0, this.tileStaging, 0, this.plan.tileCount * entryWords);
  }

  destroy(): void {
    for (const buffer of [this.decodeRows, this.tiles, this.partials]) buffer.destroy();
  }
}
