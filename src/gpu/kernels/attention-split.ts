/**
 * How the attention kernels split their work (attention_decode.wgsl, attention_reduce.wgsl,
 * attention_prefill.wgsl): how many query heads of one KV head's group a workgroup serves (each
 * K/V row is then read once for all of them), how many keys one decode partition covers, how many
 * query rows one prefill tile holds and how many keys a prefill chunk stages in workgroup memory.
 * Chosen once per model from the shape, the longest context and the adapter's workgroup memory.
 */
import type { AttentionShape } from './attention-shape.ts';

export interface AttentionSplit {
  /** Query heads one workgroup serves: the largest divisor of the GQA group ≤ maxHeadsPerWorkgroup. */
  readonly heads: number;
  /** Keys per decode partition (flash-decoding's split of the context). */
  readonly partition: number;
  /** Partitions of the longest context: the stride of the partial-results scratch. */
  readonly maxPartitions: number;
  /** Consecutive query rows of one sequence in a prefill tile. */
  readonly tile: number;
  /** Keys a prefill tile stages in workgroup memory at a time. */
  readonly keys: number;
}

/** Private accumulators in the decode kernel are sized for this many heads (const MAX_HEADS). */
export const maxHeadsPerWorkgroup = 8;
/** Invocations of a decode workgroup; a prefill workgroup has tile · heads ≤ this. */
export const attentionWorkgroup = 64;
/** The kernels read K/V as vec4<u32> (8 halves) and keep q and acc in arrays of ≤ 64 vec4. */
export const maxHeadDim = 256;

export function supportsSplitAttention(shape: AttentionShape): boolean {
  return shape.headDim % 8 === 0 && shape.headDim <= maxHeadDim;
}

export function attentionSplit(shape: AttentionShape, maxContext: number, workgroupBytes: number): AttentionSplit {
  if (!supportsSplitAttention(shape)) throw new RangeError(`head_dim ${shape.headDim}: the split attention kernels need a multiple of 8 up to ${maxHeadDim}`);
  const group = shape.numHeads / shape.numKvHeads;
  let heads = Math.min(group, maxHeadsPerWorkgroup);
  while (group % heads !== 0) heads--;
  // Decode workgroup memory: q (heads · headDim), the partition's logits (heads · partition) and
  // the max reduction (heads · workgroup), all f32; a 16 KiB budget fits every adapter.
  const budget = Math.min(workgroupBytes, 16384);
  const fixed = heads * (shape.headDim + attentionWorkgroup) * 4;
  let partition = 256;
  while (partition > attentionWorkgroup && fixed + heads * partition * 4 > budget) partition /= 2;
  // Prefill workgroup memory: a chunk of keys and of values unpacked to f32. At most 32 keys: only
  // head_dim < 64 would take more, and CPU adapters compile workgroup memory element by element.
  let keys = 32;
  while (keys > 1 && 2 * keys * shape.headDim * 4 > budget) keys /= 2;
  return {
    heads,
    partition,
    maxPartitions: Math.max(1, Math.ceil(maxContext / partition)),
    tile: Math.floor(attentionWorkgroup / heads),
    keys,
  };
}
