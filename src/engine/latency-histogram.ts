/**
 * Request latencies as Prometheus-style histograms (seconds): time to first token (arrival to the
 * step that sampled it) and inter-token latency (between a request's consecutive tokens), measured
 * where vLLM measures them, in the engine loop, so a server's /metrics and a page read the same.
 */
import type { Sequence } from './sequence.ts';

/** Per bucket counts, not cumulative; `counts` has one more entry than `buckets`: the +Inf bucket. */
export interface HistogramSnapshot {
  /** Upper bounds in seconds, ascending. */
  readonly buckets: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

// vLLM's bucket bounds for these two metrics.
export const timeToFirstTokenBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
export const interTokenLatencyBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly buckets: readonly number[]) {
    this.counts = new Array<number>(buckets.length + 1).fill(0);
  }

  observe(seconds: number): void {
    let index = this.buckets.findIndex((bound) => seconds <= bound);
    if (index < 0) index = this.buckets.length;
    this.counts[index]!++;
    this.sum += seconds;
    this.count++;
  }

  snapshot(): HistogramSnapshot {
    return { buckets: [...this.buckets], counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

/** Times each request's tokens; entries go with their sequence (a WeakMap: nothing to clean up). */
export class RequestLatencies {
  readonly timeToFirstToken = new Histogram(timeToFirstTokenBuckets);
  readonly interTokenLatency = new Histogram(interTokenLatencyBuckets);
  private readonly times = new WeakMap<Sequence, { readonly arrived: number; last?: number }>();

  arrived(seq: Sequence, now = performance.now()): void {
    this.times.set(seq, { arrived: now });
  }

  /** A token of `seq` was sampled in a step postprocessed at `now` (milliseconds). */
  sampled(seq: Sequence, now: number): void {
    const entry = this.times.get(seq);
    if (entry === undefined) return;
    if (entry.last === undefined) this.timeToFirstToken.observe((now - entry.arrived) / 1000);
    else this.interTokenLatency.observe((now - entry.last) / 1000);
    entry.last = now;
  }
}
