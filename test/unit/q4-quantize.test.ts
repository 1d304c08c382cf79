/** Load-time 4-bit quantization: every weight comes back within half a step of its group's scale. */
import { describe, expect, it } from 'vitest';
import { quantizeQ4 } from '../../src/model/q4-quantize.ts';
import type { QuantizedMatrix } from '../../src/model/q4-repack.ts';
import { halfToFloat, Random } from '../support/random.ts';

function dequantize(out: QuantizedMatrix, n: number, k: number): { value: number; scale: number } {
  const groups = out.cols / out.groupSize;
  const g = Math.floor(k / out.groupSize);
  const q = (out.qweight[n * (out.cols / 8) + (k >> 3)]! >>> (4 * (k & 7))) & 0xf;
  const scale = halfToFloat(out.scales[n * groups + g]!);
  return { value: (q - out.zeros[n * groups + g]!) * scale, scale };
}

describe('quantizeQ4', () => {
  it.each([[3, 64, 32], [5, 128, 64], [2, 256, 128], [1, 8, 8]])('%i × %i, group %i: |w − dequantized| ≤ scale / 2', (rows, cols, groupSize) => {
    const random = new Random(rows * cols + groupSize);
    const values = random.floats(rows * cols, 0.2);
    // One row entirely positive, to check the grid still reaches its values.
    for (let k = 0; k < cols; k++) values[k] = Math.abs(values[k]!) + 0.05;
    const out = quantizeQ4(values, rows, cols, groupSize);
    for (let n = 0; n < rows; n++) for (let k = 0; k < cols; k++) {
      const { value, scale } = dequantize(out, n, k);
      const error = Math.abs(value - values[n * cols + k]!);
      if (error > scale / 2 + 1e-7) expect.fail(`w[${n}, ${k}] = ${values[n * cols + k]} came back as ${value} (scale ${scale})`);
    }
  });

  it('keeps zeros exact and gives a constant group a usable step', () => {
    const values = new Float32Array(16);
    values.fill(0.5, 8, 16);
    const out = quantizeQ4(values, 1, 16, 8);
    for (let k = 0; k < 8; k++) expect(dequantize(out, 0, k).value).toBe(0);
    for (let k = 8; k < 16; k++) expect(Math.abs(dequantize(out, 0, k).value - 0.5)).toBeLessThanOrEqual(dequantize(out, 0, k).scale / 2);
  });

  it('refuses non-finite weights and shapes the layout cannot hold', () => {
    expect(() => quantizeQ4(Float32Array.of(...new Array<number>(7).fill(0), Number.NaN), 1, 8, 8)).toThrow(/\[0, 7\] is NaN/);
    expect(() => quantizeQ4(new Float32Array(12), 1, 12, 4)).toThrow(RangeError);
  });
});
