/**
 * How much of a run the GPU sat idle, from the intervals its passes ran in (GPU timestamps) or,
 * without timestamps, from the wall time of a step against its GPU time measured alone.
 * Pure arithmetic, in whatever unit the caller's numbers are.
 */
export interface Interval {
  readonly begin: number;
  readonly end: number;
}

/** The union of the intervals as disjoint intervals in order; touching ones join. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter((interval) => interval.end >= interval.begin).sort((a, b) => a.begin - b.begin);
  const merged: { begin: number; end: number }[] = [];
  for (const { begin, end } of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && begin <= last.end) last.end = Math.max(last.end, end);
    else merged.push({ begin, end });
  }
  return merged;
}

/** Time covered by at least one interval (overlapping passes count once). */
export function busyTime(intervals: readonly Interval[]): number {
  return mergeIntervals(intervals).reduce((sum, { begin, end }) => sum + end - begin, 0);
}

/**
 * 1 − busy / (last end − first begin): the share of the span between the first pass's start and
 * the last pass's end in which no pass ran. Null when there is no span to measure.
 */
export function gpuIdleShare(intervals: readonly Interval[]): number | null {
  const merged = mergeIntervals(intervals);
  if (merged.length === 0) return null;
  const span = merged.at(-1)!.end - merged[0]!.begin;
  if (span <= 0) return null;
  return 1 - busyTime(merged) / span;
}

/**
 * 1 − gpu / wall for one step: the GPU's share of a step's wall time, when the GPU time comes from
 * the step's kernels timed alone. Noise can put gpu above wall; the share is then 0, not negative.
 */
export function wallIdleShare(gpuMsPerStep: number, wallMsPerStep: number): number | null {
  if (!(wallMsPerStep > 0) || !(gpuMsPerStep >= 0)) return null;
  return Math.max(0, 1 - gpuMsPerStep / wallMsPerStep);
}
