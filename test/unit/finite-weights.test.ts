/**
 * checkFiniteWeights: the bit-pattern scan flags exactly the values whose f16 on the GPU would be
 * NaN or ±Inf (every F16 and BF16 pattern, F32 boundaries and random F32 patterns, compared with
 * the load's own f32 → f16 conversion), at any position and alignment, and names tensor, file and
 * element; I32 tensors are not scanned.
 */
import { describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors.ts';
import type { TensorPiece } from '../../src/model/checkpoint-stream.ts';
import { checkFiniteWeights } from '../../src/model/finite-weights.ts';
import { float32BitToFloat16Bit } from '../../src/model/safetensors.ts';
import type { TensorDtype } from '../../src/model/safetensors-header.ts';
import { Random } from '../support/random.ts';

function piece(dtype: TensorDtype, data: Uint8Array, shape: number[], firstRow = 0): TensorPiece {
  return { name: 'model.layers.0.mlp.up_proj.weight', dtype, shape, file: 'model-00001-of-00002.safetensors', data, firstRow };
}

function refused(check: () => void): { code: string; subject: string; message: string } | undefined {
  try {
    check();
  } catch (error) {
    expect(isLlmError(error, 'non_finite_weight'), String(error)).toBe(true);
    return error as { code: string; subject: string; message: string };
  }
  return undefined;
}

const bytesOf = (array: Uint16Array | Uint32Array | Float32Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
/** Whether the f16 bits are NaN or ±Inf. */
const halfNonFinite = (bits: number) => (bits & 0x7c00) === 0x7c00;

describe('checkFiniteWeights', () => {
  it('F16 and BF16: every one of the 65,536 patterns, as the low half, high half or odd tail of a word, exactly as the f16 it becomes', () => {
    for (const dtype of ['F16', 'BF16'] as const) {
      const good: number[] = [];
      const bad: number[] = [];
      for (let bits = 0; bits < 0x10000; bits++) (halfNonFinite(dtype === 'F16' ? bits : float32BitToFloat16Bit(bits << 16)) ? bad : good).push(bits);
      // F16: 2 signs × 1,024 mantissas with the exponent all ones; BF16: magnitude ≥ 0x4780 (65536).
      expect(bad.length, dtype).toBe(dtype === 'F16' ? 2048 : 2 * (0x8000 - 0x4780));
      // Every good pattern in both halves of a word and as the odd tail: not one is flagged.
      for (const values of [good, [0, ...good]]) expect(refused(() => checkFiniteWeights(piece(dtype, bytesOf(Uint16Array.from(values)), [values.length]))), dtype).toBeUndefined();
      // Each bad pattern (every F16 one, every 7th BF16 one and the edges) flagged in each place.
      const sample = dtype === 'F16' ? bad : [...bad.filter((_, i) => i % 7 === 0), 0x4780, 0xc780, 0x7fff, 0xffff];
      const missed = sample.filter((bits, i) => {
        const values = [[bits], [bits, 0x3c00], [0x3c00, bits]][i % 3]!;
        return refused(() => checkFiniteWeights(piece(dtype, bytesOf(Uint16Array.from(values)), [values.length]))) === undefined;
      });
      expect(missed.map((bits) => `0x${bits.toString(16)}`), dtype).toEqual([]);
    }
  });

  it('F32: boundaries and 100,000 random patterns exactly as the f16 each becomes', () => {
    const edges = [0, 0x80000000, 0x477fefff, 0x477ff000, 0xc77ff000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0x00000001];
    const random = new Random(5);
    const patterns = [...edges, ...Array.from({ length: 100_000 }, () => random.int(0, 2 ** 32 - 1))];
    const good = patterns.filter((bits) => !halfNonFinite(float32BitToFloat16Bit(bits | 0)));
    const bad = patterns.filter((bits) => halfNonFinite(float32BitToFloat16Bit(bits | 0)));
    expect(bad.length).toBeGreaterThan(40_000); // magnitudes ≥ 65520 are about 44% of all patterns
    expect(refused(() => checkFiniteWeights(piece('F32', bytesOf(Uint32Array.from(good)), [good.length])))).toBeUndefined();
    const missed = [...bad.slice(0, 6), ...bad.filter((_, i) => i % 10 === 0)].filter((bits) =>
      refused(() => checkFiniteWeights(piece('F32', bytesOf(Uint32Array.of(0x3f800000, bits)), [2]))) === undefined);
    expect(missed.map((bits) => `0x${bits.toString(16)}`)).toEqual([]);
    expect(refused(() => checkFiniteWeights(piece('F32', bytesOf(Float32Array.of(65519.99, -65504, 1e-40)), [3])))).toBeUndefined();
  });

  it('names the tensor, its file, the row and column of the first bad value, and what it is', () => {
    const values = new Float32Array(6 * 8).fill(0.5);
    values[3 * 8 + 5] = NaN;
    values[4 * 8 + 1] = Infinity;
    const error = refused(() => checkFiniteWeights(piece('F32', bytesOf(values), [6, 8], 10)))!;
    expect(error.subject).toBe('model.layers.0.mlp.up_proj.weight');
    expect(error.message).toContain('model-00001-of-00002.safetensors');
    expect(error.message).toContain('model.layers.0.mlp.up_proj.weight');
    expect(error.message).toContain('NaN at row 13, column 5');
    const big = refused(() => checkFiniteWeights(piece('F32', bytesOf(Float32Array.of(1, 2, -1e5)), [3])))!;
    expect(big.message).toContain('-100000, beyond the ±65504');
    expect(big.message).toContain('at 2');
    const inf = refused(() => checkFiniteWeights(piece('BF16', bytesOf(Uint16Array.of(0x3f80, 0xff80)), [1, 2])))!;
    expect(inf.message).toContain('-Infinity at row 0, column 1');
  });

  it('finds a bad value at every position of a piece not aligned to 4 bytes', () => {
    for (const dtype of ['F16', 'BF16', 'F32'] as const) {
      const size = dtype === 'F32' ? 4 : 2;
      const count = 37;
      const buffer = new Uint8Array(2 + count * size);
      const data = buffer.subarray(2); // byteOffset 2: no Int32Array view in place
      const good = dtype === 'F32' ? Uint32Array.of(0x3f800000) : Uint16Array.of(dtype === 'F16' ? 0x3c00 : 0x3f80);
      const bad = dtype === 'F32' ? Uint32Array.of(0x7fc00000) : Uint16Array.of(dtype === 'F16' ? 0x7e00 : 0x7fc0);
      for (let i = 0; i < count; i++) data.set(bytesOf(good), i * size);
      expect(refused(() => checkFiniteWeights(piece(dtype, data, [count]))), dtype).toBeUndefined();
      for (let at = 0; at < count; at++) {
        data.set(bytesOf(bad), at * size);
        expect(refused(() => checkFiniteWeights(piece(dtype, data, [count])))?.message, `${dtype} at ${at}`).toContain(`NaN at ${at}`);
        data.set(bytesOf(good), at * size);
      }
    }
  });

  it('does not scan I32 tensors (4-bit qweight / qzeros / g_idx are integers)', () => {
    expect(refused(() => checkFiniteWeights(piece('I32', bytesOf(Uint32Array.of(0x7fc00000, 0xffffffff)), [2])))).toBeUndefined();
  });
});
