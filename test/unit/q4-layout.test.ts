/**
 * The CPU reference for the 4-bit layout (test/support/q4-reference.ts) pinned to the bit
 * positions q4-weights.ts states, so a nibble-order or half-order slip in the reference cannot
 * cancel out against the same slip in a kernel, and its round trip against (q − z) · s computed
 * straight from the unpacked values.
 */
import { describe, expect, it } from 'vitest';
import { actOrderGroups, dequantizeQ4Rows, packQ4, randomQ4Values } from '../support/q4-reference.ts';
import { Random, halfToFloat } from '../support/random.ts';

describe('4-bit layout reference', () => {
  it('puts q, z and s at the stated bits', () => {
    // One row, K = 24, G = 8: three groups.
    const q = new Uint8Array(24);
    q[0] = 1; // word 0, nibble 0
    q[1] = 2; // word 0, nibble 1
    q[7] = 0xf; // word 0, nibble 7
    q[9] = 3; // word 1, nibble 1
    const packed = packQ4({ q, zeros: Uint8Array.of(4, 5, 16), scales: Uint16Array.of(0x3c00, 0x4000, 0x3800) }, 1, 24, 8);
    expect([...packed.qweight]).toEqual([0xf0000021, 0x30, 0]);
    expect([...packed.scales]).toEqual([0x40003c00, 0x3800]); // group 0 low half, group 1 high half
    expect([...packed.zeros]).toEqual([0x100504]); // byte g of word 0; 16 (GPTQ v1's stored 15) fits
    const w = dequantizeQ4Rows(packed, 1, 24, 8);
    expect([w[0], w[1], w[7], w[8], w[9], w[16]]).toEqual([(1 - 4) * 1, (2 - 4) * 1, (15 - 4) * 1, (0 - 5) * 2, (3 - 5) * 2, (0 - 16) * 0.5]);
  });

  it('round-trips random values, with and without an act-order grouping', () => {
    const random = new Random(3);
    for (const [rows, cols, groupSize] of [[3, 136, 8], [5, 96, 32], [2, 256, 128], [7, 1024, 64]] as const) {
      const values = randomQ4Values(random, rows, cols, groupSize);
      const groups = cols / groupSize;
      const actOrder = actOrderGroups(random, cols, groupSize);
      // Each group holds exactly G channels, and not all in k / G order.
      const counts = new Array<number>(groups).fill(0);
      actOrder.forEach((g) => counts[g]!++);
      expect(counts.every((count) => count === groupSize)).toBe(true);
      expect(actOrder.some((g, k) => g !== Math.floor(k / groupSize))).toBe(true);
      for (const groupIndex of [undefined, actOrder]) {
        const w = dequantizeQ4Rows(packQ4(values, rows, cols, groupSize), rows, cols, groupSize, groupIndex);
        for (let n = 0; n < rows; n++) {
          for (let k = 0; k < cols; k++) {
            const g = groupIndex?.[k] ?? Math.floor(k / groupSize);
            const expected = (values.q[n * cols + k]! - values.zeros[n * groups + g]!) * halfToFloat(values.scales[n * groups + g]!);
            if (w[n * cols + k] !== expected) throw new Error(`w[${n}, ${k}] = ${w[n * cols + k]}, expected ${expected}`);
          }
        }
      }
    }
  });
});
