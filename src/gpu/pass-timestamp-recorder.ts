/**
 * A `PassTimestamps` that records when the GPU began and ended each compute pass of the step loop,
 * for benchmarks: timestamps go to a ring of queries, each command buffer resolves its own into a
 * scratch buffer and copies them on into one results buffer, and `read()` maps that buffer once,
 * after the run. Needs the device to have the 'timestamp-query' feature.
 */
import { awaitGpu } from './await-gpu.ts';
import type { PassTimestamps, StepPassKind } from './pass-timestamps.ts';

/**
 * What a timed interval is: one of the runner's passes, or a whole queue submission (bracketed by
 * two empty passes, for a runner that consults no hook).
 */
export type TimedKind = StepPassKind | 'submission';

/** One timed pass: GPU timestamps in nanoseconds, and which command buffer it was in. */
export interface TimedPass {
  readonly kind: TimedKind;
  readonly commandBuffer: number;
  readonly beginNs: number;
  readonly endNs: number;
}

/** A range of consecutive queries written by the command buffer being encoded. */
interface PendingRange {
  readonly firstQuery: number;
  readonly firstPass: number;
  passes: number;
}

// WebGPU caps a query set at 4096 queries; the ring is reused once each command buffer has resolved.
const maxRingQueries = 4096;
const bytesPerPass = 16; // two u64 timestamps

export class PassTimestampRecorder implements PassTimestamps {
  /** Passes begun while false are left untimed (e.g. warm-up and prefill steps). */
  enabled = false;
  private readonly querySet: GPUQuerySet;
  private readonly scratch: GPUBuffer;
  private readonly results: GPUBuffer;
  private readonly kinds: TimedKind[] = [];
  private readonly commandBuffers: number[] = [];
  private pending: PendingRange[] = [];
  private nextQuery = 0;
  private commandBuffer = 0;

  static supported(device: GPUDevice): boolean {
    return device.features.has('timestamp-query');
  }

  /** `capacity`: passes recorded at most; `ringQueries`: queries in the ring (even, ≤ 4096). */
  constructor(private readonly device: GPUDevice, readonly capacity = 8192, private readonly ringQueries = maxRingQueries) {
    if (ringQueries % 2 !== 0 || ringQueries < 2 || ringQueries > maxRingQueries) throw new RangeError(`ringQueries ${ringQueries}: even, 2..${maxRingQueries}`);
    this.querySet = device.createQuerySet({ label: 'passTimestamps.queries', type: 'timestamp', count: ringQueries });
    this.scratch = device.createBuffer({
      label: 'passTimestamps.scratch', size: ringQueries * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.results = device.createBuffer({
      label: 'passTimestamps.results', size: capacity * bytesPerPass, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  /** Passes recorded so far. */
  get count(): number {
    return this.kinds.length;
  }

  writesFor(kind: TimedKind): GPUComputePassTimestampWrites | undefined {
    if (!this.enabled || this.kinds.length >= this.capacity) return undefined;
    // Queries of the buffer being encoded are not resolved yet: the ring must not lap them.
    const open = this.pending.reduce((sum, range) => sum + range.passes, 0);
    if (2 * (open + 1) > this.ringQueries) return undefined;
    if (this.nextQuery + 2 > this.ringQueries) this.nextQuery = 0;
    const first = this.nextQuery;
    this.nextQuery += 2;
    const last = this.pending.at(-1);
    // A wrap of the ring mid-buffer starts a new range; otherwise passes extend the open one.
    if (last !== undefined && last.firstQuery + 2 * last.passes === first) last.passes++;
    else this.pending.push({ firstQuery: first, firstPass: this.kinds.length, passes: 1 });
    this.kinds.push(kind);
    this.commandBuffers.push(this.commandBuffer);
    return { querySet: this.querySet, beginningOfPassWriteIndex: first, endOfPassWriteIndex: first + 1 };
  }

  resolve(encoder: GPUCommandEncoder): void {
    for (const range of this.pending) {
      // resolveQuerySet wants a 256-byte-aligned destination: resolve to the scratch's start, then copy.
      encoder.resolveQuerySet(this.querySet, range.firstQuery, 2 * range.passes, this.scratch, 0);
      encoder.copyBufferToBuffer(this.scratch, 0, this.results, range.firstPass * bytesPerPass, range.passes * bytesPerPass);
    }
    if (this.pending.length > 0) this.commandBuffer++;
    this.pending = [];
  }

  /** Every recorded pass, in the order begun; passes whose command buffer never resolved are left out. */
  async read(): Promise<TimedPass[]> {
    const bytes = this.kinds.length * bytesPerPass;
    if (bytes === 0) return [];
    const readback = this.device.createBuffer({ label: 'passTimestamps.readback', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder({ label: 'passTimestamps.read' });
    encoder.copyBufferToBuffer(this.results, 0, readback, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    await awaitGpu(readback.mapAsync(GPUMapMode.READ));
    const stamps = new BigUint64Array(readback.getMappedRange().slice(0));
    readback.unmap();
    readback.destroy();
    const passes: TimedPass[] = [];
    this.kinds.forEach((kind, i) => {
      const beginNs = Number(stamps[2 * i]!);
      const endNs = Number(stamps[2 * i + 1]!);
      // Zero: never resolved (results start zeroed).
      if (beginNs > 0 && endNs >= beginNs) passes.push({ kind, commandBuffer: this.commandBuffers[i]!, beginNs, endNs });
    });
    return passes;
  }

  /** Forgets what was recorded; zeroes the results so a stale pass cannot be read as a new one. */
  clear(): void {
    const encoder = this.device.createCommandEncoder({ label: 'passTimestamps.clear' });
    encoder.clearBuffer(this.results);
    this.device.queue.submit([encoder.finish()]);
    this.kinds.length = 0;
    this.commandBuffers.length = 0;
    this.pending = [];
    this.commandBuffer = 0;
  }

  destroy(): void {
    this.querySet.destroy();
    this.scratch.destroy();
    this.results.destroy();
  }
}
