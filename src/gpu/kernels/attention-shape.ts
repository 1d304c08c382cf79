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
