/**
 * CPU reference for the 4-bit layout of src/gpu/q4-weights.ts, written from its header rather
 * than from the shaders: `packQ4` puts unpacked q / z / f16 s into the three u32 arrays,
 * `dequantizeQ4Rows` reads them back into w[n, k] = (q − z) · s (exact in f64, and so equal to the
 * f32 the kernels compute), and `actOrderGroups` makes a GPTQ desc_act style grouping.
 */
import type { Q4Rows } from '../../src/gpu/q4-weights.ts';
import { halfToFloat, type Random } from './random.ts';

export interface Q4Values {
  /** q[n, k] ∈ 0..15, [rows, cols] */
  readonly q: Uint8Array;
  /** z[n, g] ∈ 0..16, [rows, groups] (16: a GPTQ v1 stored 15) */
  readonly zeros: Uint8Array;
  /** s[n, g] as f16 bits, [rows, groups] */
  readonly scales: Uint16Array;
}

export function packQ4(values: Q4Values, rows: number, cols: number, groupSize: number): Q4Rows {
  const groups = cols / groupSize;
  const qweightWords = cols / 8;
  const scaleWords = Math.ceil(groups / 2);
  const zeroWords = Math.ceil(groups / 4);
  const qweight = new Uint32Array(rows * qweightWords);
  const scales = new Uint32Array(rows * scaleWords);
  const zeros = new Uint32Array(rows * zeroWords);
  for (let n = 0; n < rows; n++) {
    for (let k = 0; k < cols; k++) {
      qweight[n * qweightWords + (k >> 3)]! |= (values.q[n * cols + k]! & 15) << (4 * (k & 7));
    }
    for (let g = 0; g < groups; g++) {
      scales[n * scaleWords + (g >> 1)]! |= values.scales[n * groups + g]! << (g & 1 ? 16 : 0);
      zeros[n * zeroWords + (g >> 2)]! |= (values.zeros[n * groups + g]! & 255) << (8 * (g & 3));
    }
  }
  return { qweight, scales, zeros };
}

/** w [rows, cols] from the packed layout; groupIndex[k] is k's group, k / G when absent. */
export function dequantizeQ4Rows(packed: Q4Rows, rows: number, cols: number, groupSize: number, groupIndex?: ArrayLike<number>): Float64Array {
  const groups = cols / groupSize;
  const qweightWords = cols / 8;
  const scaleWords = Math.ceil(groups / 2);
  const zeroWords = Math.ceil(groups / 4);
  const w = new Float64Array(rows * cols);
  for (let n = 0; n < rows; n++) {
    for (let k = 0; k < cols; k++) {
      const g = groupIndex === undefined ? Math.floor(k / groupSize) : groupIndex[k]!;
      const q = (packed.qweight[n * qweightWords + Math.floor(k / 8)]! >>> (4 * (k % 8))) & 15;
      const z = (packed.zeros[n * zeroWords + Math.floor(g / 4)]! >>> (8 * (g % 4))) & 255;
      const s = halfToFloat((packed.scales[n * scaleWords + Math.floor(g / 2)]! >>> (g % 2 === 1 ? 16 : 0)) & 0xffff);
      w[n * cols + k] = (q - z) * s;
    }
  }
  return w;
}

/** Random q ∈ 0..15, z ∈ 0..16 and scales of magnitude in [2^minExp, 2^(maxExp+1)), random sign. */
export function randomQ4Values(random: Random, rows: number, cols: number, groupSize: number, minExp = -8, maxExp = -6): Q4Values {
  const groups = cols / groupSize;
  const q = Uint8Array.from({ length: rows * cols }, () => random.int(0, 15));
  const zeros = Uint8Array.from({ length: rows * groups }, () => random.int(0, 16));
  return { q, zeros, scales: random.halves(rows * groups, minExp, maxExp) };
}

/**
 * GPTQ act-order grouping: channels sorted by a random permutation (as desc_act orders them by
 * Hessian diagonal) are grouped G at a time, so g_idx[perm[i]] = i / G — not k / G.
 */
export function actOrderGroups(random: Random, cols: number, groupSize: number): Uint32Array {
  const order = Array.from({ length: cols }, (_, k) => k);
  for (let i = cols - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const groupIndex = new Uint32Array(cols);
  order.forEach((k, i) => (groupIndex[k] = Math.floor(i / groupSize)));
  return groupIndex;
}
