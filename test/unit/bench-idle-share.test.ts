/**
 * The bench's GPU-idle arithmetic (tools/bench/idle-share.ts): overlapping passes merged, idle over
 * the span; and the median its repeated timings report.
 */
import { describe, expect, it } from 'vitest';
import { busyTime, gpuIdleShare, mergeIntervals, wallIdleShare } from '../../tools/bench/idle-share.ts';
import { median } from '../../tools/bench/median.ts';

describe('bench idle share', () => {
  it('merges overlapping and touching intervals, in any order', () => {
    const merged = mergeIntervals([{ begin: 10, end: 12 }, { begin: 0, end: 4 }, { begin: 3, end: 6 }, { begin: 6, end: 7 }, { begin: 11, end: 11.5 }]);
    expect(merged).toEqual([{ begin: 0, end: 7 }, { begin: 10, end: 12 }]);
    expect(busyTime([{ begin: 0, end: 4 }, { begin: 2, end: 5 }])).toBe(5);
  });

  it('is the gap share of the span from the first begin to the last end', () => {
    // Busy 0–4 and 6–10: 2 idle of a 10 span.
    expect(gpuIdleShare([{ begin: 6, end: 10 }, { begin: 0, end: 4 }])).toBeCloseTo(0.2, 12);
    // Passes that overlap (two queues) count once: busy 0–8 of 0–10.
    expect(gpuIdleShare([{ begin: 0, end: 5 }, { begin: 3, end: 8 }, { begin: 9, end: 10 }])).toBeCloseTo(0.1, 12);
    // Back to back: no idle.
    expect(gpuIdleShare([{ begin: 0, end: 5 }, { begin: 5, end: 10 }])).toBe(0);
  });

  it('has no value without a span', () => {
    expect(gpuIdleShare([])).toBeNull();
    expect(gpuIdleShare([{ begin: 3, end: 3 }])).toBeNull();
  });

  it('from wall time: 1 − gpu / wall, never negative', () => {
    expect(wallIdleShare(6, 8)).toBeCloseTo(0.25, 12);
    expect(wallIdleShare(9, 8)).toBe(0);
    expect(wallIdleShare(1, 0)).toBeNull();
  });
});

describe('bench median', () => {
  it('is the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([5, 1, 100])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
