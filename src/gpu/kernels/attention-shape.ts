/** The attention geometry shared by the RoPE, KV-write and attention kernels; qkv rows hold q heads, then k, then v. */
export interface AttentionShape {
  readonly headDim: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly blockSize: number;
  /** Keys a query sees, itself included (Mistral's sliding window); 0 or absent: all before it. */
  readonly slidingWindow?: number;
}

/** The WINDOW override of the attention shaders: 0 = full causal attention. */
export function attentionWindow(shape: AttentionShape): number {
  return shape.slidingWindow ?? 0;
}

/**
 * The first key a query at `position` attends to under window W (0: none): transformers' sliding
 * window keeps keys s with position − s < W, so position − W + 1, or 0. The shaders' first_key.
 */
export function firstKey(window: number, position: number): number {
  return window > 0 && position >= window ? position + 1 - window : 0;
}

export function qkvWidth(shape: AttentionShape): number {
  return (shape.numHeads + 2 * shape.numKvHeads) * shape.headDim;
}

/** u32 words per head in the KV pools, which hold f16 pairs packed two per u32 (kv_write.wgsl). */
export function kvHeadWords(shape: AttentionShape): number {
  if (shape.headDim % 2 !== 0) throw new RangeError(`head_dim ${shape.headDim} is odd; the f16 KV pools pack dimensions in pairs`);
  return shape.headDim / 2;
}
