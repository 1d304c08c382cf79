/**
 * A hook through which a benchmark sees when the GPU ran each compute pass of the step loop:
 * the model runner asks it for `timestampWrites` as it begins each pass ('forward' or 'sample'),
 * and lets it resolve its queries into its own buffer before the command buffer is finished.
 * Nothing is read back per step; the benchmark reads all timestamps once, after its run.
 */
export type StepPassKind = 'forward' | 'sample';

export interface PassTimestamps {
  /** The timestamp writes for the pass about to begin, or undefined to leave it untimed. */
  writesFor(kind: StepPassKind): GPUComputePassTimestampWrites | undefined;
  /** Called once per command buffer, after its passes ended and before it is finished. */
  resolve(encoder: GPUCommandEncoder): void;
}
