/** The attention geometry shared by the RoPE, KV-write and attention kernels; qkv rows hold q heads, then k, then v. */
export interface AttentionShape {
  readonly headDim: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly blockSize: number;
}

export function qkvWidth(shape: AttentionShape): number {
  return (shape.numHeads + 2 * shape.numKvHeads) * shape.headDim;
}

/** u32 words per head in the KV pools, which hold f16 pairs packed two per u32 (kv_write.wgsl). */
export function kvHeadWords(shape: AttentionShape): number {
  if (shape.headDim % 2 !== 0) throw new RangeError(`head_dim ${shape.headDim} is odd; the f16 KV pools pack dimensions in pairs`);
  return shape.headDim / 2;
}
