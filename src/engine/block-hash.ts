/**
 * Prefix-cache keys: a full block's key chains its parent block's key and its own token ids, so
 * equal keys mean equal whole prefixes. Two independent 32-bit FNV-1a-style lanes give a 64-bit
 * key; the block manager also compares the stored token ids, so a collision can only matter if
 * the parent keys collide too.
 */
export type BlockKey = string;

const rootKey: BlockKey = 'root';

export function chainBlockKey(parent: BlockKey | undefined, tokenIds: ArrayLike<number>): BlockKey {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (value: number) => {
    a = Math.imul(a ^ value, 0x01000193) >>> 0;
    b = Math.imul(b ^ value, 0x5bd1e995) >>> 0;
    b ^= b >>> 15;
  };
  const parentKey = parent ?? rootKey;
  for (let i = 0; i < parentKey.length; i++) mix(parentKey.charCodeAt(i));
  mix(0xffffffff);
  for (let i = 0; i < tokenIds.length; i++) mix(tokenIds[i] as number);
  return `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}
