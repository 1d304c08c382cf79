/**
 * The engine's latency histograms: bucket bounds are inclusive upper bounds (Prometheus `le`),
 * values past the last bound land in +Inf, and a request's first token is timed from its arrival
 * while each later one is timed from the token before it.
 */
import { describe, expect, it } from 'vitest';
import { Histogram, interTokenLatencyBuckets, RequestLatencies, timeToFirstTokenBuckets } from '../../src/engine/latency-histogram.ts';
import type { Sequence } from '../../src/engine/sequence.ts';

describe('Histogram', () => {
  it('counts each value in the first bucket whose bound is at least the value; past the last, +Inf', () => {
    const histogram = new Histogram([0.1, 1, 10]);
    for (const value of [0.05, 0.1, 0.5, 1, 9.99, 10, 11, 500]) histogram.observe(value);
    const snapshot = histogram.snapshot();
    expect(snapshot.counts).toEqual([2, 2, 2, 2]);
    expect(snapshot.count).toBe(8);
    expect(snapshot.sum).toBeCloseTo(0.05 + 0.1 + 0.5 + 1 + 9.99 + 10 + 11 + 500, 9);
  });

  it('a snapshot is a copy: later observations do not change it', () => {
    const histogram = new Histogram([1]);
    const before = histogram.snapshot();
    histogram.observe(0.5);
    expect(before.counts).toEqual([0, 0]);
    expect(histogram.snapshot().counts).toEqual([1, 0]);
  });

  it('uses ascending bounds for both engine metrics', () => {
    for (const bounds of [timeToFirstTokenBuckets, interTokenLatencyBuckets]) {
      expect([...bounds].sort((a, b) => a - b)).toEqual(bounds);
      expect(new Set(bounds).size).toBe(bounds.length);
    }
  });
});

describe('RequestLatencies', () => {
  it('first token from arrival, then token to token, per request', () => {
    const latencies = new RequestLatencies();
    const a = {} as Sequence;
    const b = {} as Sequence;
    latencies.arrived(a, 1000);
    latencies.arrived(b, 1500);
    latencies.sampled(a, 1300); // a: first token after 0.3 s
    latencies.sampled(a, 1320); // a: 20 ms later
    latencies.sampled(b, 4500); // b: first token after 3 s
    latencies.sampled(a, 1420); // a: 100 ms later
    const ttft = latencies.timeToFirstToken.snapshot();
    const itl = latencies.interTokenLatency.snapshot();
    expect(ttft.count).toBe(2);
    expect(ttft.sum).toBeCloseTo(3.3, 9);
    expect(ttft.counts[timeToFirstTokenBuckets.indexOf(0.5)]).toBe(1);
    expect(ttft.counts[timeToFirstTokenBuckets.indexOf(5)]).toBe(1);
    expect(itl.count).toBe(2);
    expect(itl.sum).toBeCloseTo(0.12, 9);
    expect(itl.counts[interTokenLatencyBuckets.indexOf(0.025)]).toBe(1);
    expect(itl.counts[interTokenLatencyBuckets.indexOf(0.1)]).toBe(1);
  });

  it('ignores tokens of a request it never saw arrive', () => {
    const latencies = new RequestLatencies();
    latencies.sampled({} as Sequence, 10);
    expect(latencies.timeToFirstToken.snapshot().count).toBe(0);
    expect(latencies.interTokenLatency.snapshot().count).toBe(0);
  });
});
