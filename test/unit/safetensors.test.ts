import { describe, it, expect } from 'vitest';
import {
  float32BitToFloat16Bit,
  float32BitsToFloat16Bits,
  parseSafetensors,
  toFloat16Bits,
  type TensorInfo,
} from '../../src/model/safetensors.ts';
import { isLlmError, type ErrorCode } from '../../src/errors.ts';
import { buildSafetensors, f32Bytes, u16Bytes } from './helpers/safetensors-bytes.ts';

function expectError(fn: () => unknown, code: ErrorCode, ...messageParts: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isLlmError(caught, code), `expected LlmError ${code}, got ${String(caught)}`).toBe(true);
  for (const part of messageParts) expect((caught as Error).message).toContain(part);
}

/** f32 bit pattern of a number. */
function bitsOf(value: number): number {
  return new Uint32Array(new Float32Array([value]).buffer)[0] as number;
}

function f32Tensor(values: number[]): TensorInfo {
  return { name: 't', dtype: 'F32', shape: [values.length], file: 'x', data: f32Bytes(values) };
}

describe('parseSafetensors', () => {
  it('parses names, dtypes, shapes and views into the file', () => {
    const bytes = buildSafetensors([
      { name: 'a', dtype: 'F32', shape: [2, 2], data: f32Bytes([1, 2, 3, 4]) },
      { name: 'b', dtype: 'BF16', shape: [3], data: u16Bytes([0x3f80, 0x4000, 0xc040]) },
      { name: 'c', dtype: 'F16', shape: [], data: u16Bytes([0x3c00]) },
    ]);
    const tensors = parseSafetensors(bytes, 'model.safetensors');
    expect([...tensors.keys()]).toEqual(['a', 'b', 'c']);
    const a = tensors.get('a')!;
    expect(a).toMatchObject({ name: 'a', dtype: 'F32', shape: [2, 2], file: 'model.safetensors' });
    expect(a.data.buffer).toBe(bytes.buffer); // a view, not a copy
    expect(Array.from(new Float32Array(a.data.slice().buffer))).toEqual([1, 2, 3, 4]);
    expect(tensors.get('b')!.data.byteLength).toBe(6);
    expect(tensors.get('c')!.shape).toEqual([]); // a scalar: one element
  });

  it('accepts an empty tensor and an empty header', () => {
    expect(parseSafetensors(buildSafetensors([{ name: 'e', dtype: 'F16', shape: [0, 4] }]), 'f').get('e')!.data.byteLength).toBe(0);
    expect(parseSafetensors(buildSafetensors([]), 'f').size).toBe(0);
  });

  it('refuses a file shorter than 8 bytes', () => {
    expectError(() => parseSafetensors(new Uint8Array(5), 'tiny.safetensors'), 'truncated_file', 'tiny.safetensors');
  });

  it('refuses a header longer than the file', () => {
    const bytes = buildSafetensors([{ name: 'a', dtype: 'F32', shape: [1] }]);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.byteLength), true);
    expectError(() => parseSafetensors(bytes, 'long.safetensors'), 'truncated_file', 'long.safetensors', 'header longer than the file');
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
    expectError(() => parseSafetensors(bytes, 'long.safetensors'), 'truncated_file', 'header longer than the file');
  });

  it('refuses a header that is not JSON or not an object', () => {
    const bytes = buildSafetensors([{ name: 'a', dtype: 'F32', shape: [1] }]);
    bytes[8] = 0x7b + 1; // '{' → '|'
    expectError(() => parseSafetensors(bytes, 'bad.safetensors'), 'invalid_safetensors', 'bad.safetensors');
    const array = new TextEncoder().encode('[1,2,3] ');
    const file = new Uint8Array(8 + array.byteLength);
    new DataView(file.buffer).setBigUint64(0, BigInt(array.byteLength), true);
    file.set(array, 8);
    expectError(() => parseSafetensors(file, 'array.safetensors'), 'invalid_safetensors', 'not a JSON object');
  });

  it.each(['I8', 'F64', 'Q4', 'I64'])('refuses dtype %s, naming the tensor and the dtype', (dtype) => {
    const bytes = buildSafetensors([{ name: 'model.norm.weight', dtype, shape: [4] }]);
    expectError(() => parseSafetensors(bytes, 'm.safetensors'), 'unknown_dtype', 'model.norm.weight', dtype, 'm.safetensors');
  });

  it('refuses data beyond the end of the file (a truncated shard), naming file and tensor', () => {
    const bytes = buildSafetensors([
      { name: 'first', dtype: 'F32', shape: [4] },
      { name: 'second', dtype: 'F32', shape: [1024] },
    ]);
    const truncated = bytes.subarray(0, bytes.byteLength - 100);
    expectError(() => parseSafetensors(truncated, 'model-00002-of-00002.safetensors'), 'truncated_file', 'model-00002-of-00002.safetensors', '"second"');
  });

  it('refuses a byte length that does not match shape × dtype size', () => {
    const bytes = buildSafetensors([{ name: 'w', dtype: 'F16', shape: [2, 3], data: new Uint8Array(10) }]);
    expectError(() => parseSafetensors(bytes, 'm.safetensors'), 'invalid_safetensors', '"w"', '[2, 3]', '12');
  });

  it('refuses bad shapes and offsets', () => {
    const header = (entry: unknown): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify({ t: entry }));
      const file = new Uint8Array(8 + json.byteLength + 16);
      new DataView(file.buffer).setBigUint64(0, BigInt(json.byteLength), true);
      file.set(json, 8);
      return file;
    };
    expectError(() => parseSafetensors(header({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }), 'f'), 'invalid_safetensors', 'shape');
    expectError(() => parseSafetensors(header({ dtype: 'F32', shape: [1], data_offsets: [4] }), 'f'), 'invalid_safetensors', 'data_offsets');
    expectError(() => parseSafetensors(header({ dtype: 'F32', shape: [1], data_offsets: [8, 4] }), 'f'), 'invalid_safetensors', 'end before begin');
    expectError(() => parseSafetensors(header('nope'), 'f'), 'invalid_safetensors');
  });
});

describe('f32 → f16 bits (round to nearest even, as torch .to(float16))', () => {
  const cases: Array<[string, number, number]> = [
    ['1.0', 1, 0x3c00],
    ['-2.0', -2, 0xc000],
    ['0.5', 0.5, 0x3800],
    ['+0', 0, 0x0000],
    ['-0', -0, 0x8000],
    ['max half 65504', 65504, 0x7bff],
    ['65519 rounds down to 65504', 65519, 0x7bff],
    ['65520 ties up to inf', 65520, 0x7c00],
    ['1e6 overflows to inf', 1e6, 0x7c00],
    ['-1e6 overflows to -inf', -1e6, 0xfc00],
    ['inf', Infinity, 0x7c00],
    ['-inf', -Infinity, 0xfc00],
    ['smallest normal 2^-14', 2 ** -14, 0x0400],
    ['smallest subnormal 2^-24', 2 ** -24, 0x0001],
    ['largest subnormal', 2 ** -14 - 2 ** -24, 0x03ff],
    ['2^-25 ties to even → 0', 2 ** -25, 0x0000],
    ['just above 2^-25 → 2^-24', 2 ** -25 * (1 + 2 ** -10), 0x0001],
    ['1.5·2^-24 ties to even → 2·2^-24', 1.5 * 2 ** -24, 0x0002],
    ['2.5·2^-24 ties to even → 2·2^-24', 2.5 * 2 ** -24, 0x0002],
    ['subnormal rounding up to the smallest normal', 2 ** -14 - 2 ** -26, 0x0400],
    ['f32 subnormal → 0', 1e-45, 0x0000],
    ['-tiny → -0', -1e-30, 0x8000],
    ['1+2^-11 ties to even → 1', 1 + 2 ** -11, 0x3c00],
    ['1+3·2^-11 ties to even → 1+2^-9', 1 + 3 * 2 ** -11, 0x3c02],
    ['1+2^-11+2^-20 rounds up', 1 + 2 ** -11 + 2 ** -20, 0x3c01],
    ['mantissa carry into exponent', 2 - 2 ** -12, 0x4000],
    ['0.1', 0.1, 0x2e66],
    ['pi', Math.PI, 0x4248],
  ];
  it.each(cases)('%s', (_label, value, expected) => {
    expect(float32BitToFloat16Bit(bitsOf(value))).toBe(expected);
  });

  it('keeps NaN a NaN, with its sign', () => {
    for (const bits of [0x7fc00000, 0x7f800001, 0xffc00000, 0x7fffffff]) {
      const half = float32BitToFloat16Bit(bits);
      expect(half & 0x7c00).toBe(0x7c00);
      expect(half & 0x03ff).not.toBe(0);
      expect(half & 0x8000).toBe(bits >>> 31 ? 0x8000 : 0);
      expect(half).toBeLessThan(0x10000);
    }
  });

  it('agrees with a slow reference on many values', () => {
    // Reference: pick the nearer of the two neighbouring halves, ties to the even one.
    const halfValue = (h: number): number => {
      const sign = h & 0x8000 ? -1 : 1;
      const exponent = (h >> 10) & 0x1f;
      const mantissa = h & 0x3ff;
      if (exponent === 0) return sign * mantissa * 2 ** -24;
      if (exponent === 31) return mantissa ? NaN : sign * Infinity;
      return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
    };
    const reference = (x: number): number => {
      const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
      const a = Math.abs(x);
      if (a >= 65520) return sign | 0x7c00;
      let lo = 0;
      let hi = 0x7bff;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (halfValue(mid) <= a) lo = mid;
        else hi = mid - 1;
      }
      const below = halfValue(lo);
      if (below === a || lo === 0x7bff) return sign | lo;
      const above = halfValue(lo + 1);
      const pick = a - below < above - a || (a - below === above - a && (lo & 1) === 0) ? lo : lo + 1;
      return sign | pick;
    };
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0), seed / 2 ** 32);
    const values: number[] = [];
    for (let i = 0; i < 20000; i++) values.push(Math.fround((random() - 0.5) * 2 ** Math.floor(random() * 60 - 40)));
    const bits = new Uint32Array(new Float32Array(values).buffer);
    const converted = float32BitsToFloat16Bits(bits);
    values.forEach((value, i) => expect(converted[i], `value ${value}`).toBe(reference(value)));
  });
});

describe('toFloat16Bits', () => {
  it('converts F32 tensors, also from an unaligned view', () => {
    expect(Array.from(toFloat16Bits(f32Tensor([1, -2, 65504, 1 + 3 * 2 ** -11])))).toEqual([0x3c00, 0xc000, 0x7bff, 0x3c02]);
    const backing = new Uint8Array(4 * 2 + 1);
    backing.set(f32Bytes([0.5, 2]), 1);
    const info: TensorInfo = { name: 'u', dtype: 'F32', shape: [2], file: 'x', data: backing.subarray(1) };
    expect(Array.from(toFloat16Bits(info))).toEqual([0x3800, 0x4000]);
  });

  it('converts BF16 through f32: bits << 16, then round to nearest even', () => {
    // 0x3f80 = 1.0; 0x4780 = 65536 → inf; 0x3f80 0x0001..: bf16 has 7 mantissa bits, all fit in f16
    // except range: 0x3380 = 2^-24 → 0x0001; 0x3300 = 2^-25 → 0 (tie to even); 0x7fc0 NaN.
    const bits = [0x3f80, 0xbfc0, 0x4780, 0x3380, 0x3300, 0x477f, 0x0000, 0x8000];
    const info: TensorInfo = { name: 'b', dtype: 'BF16', shape: [bits.length], file: 'x', data: u16Bytes(bits) };
    // 0x477f = 65280 (exact in f16: 0x7bf8).
    expect(Array.from(toFloat16Bits(info))).toEqual([0x3c00, 0xbe00, 0x7c00, 0x0001, 0x0000, 0x7bf8, 0x0000, 0x8000]);
    const nan: TensorInfo = { name: 'n', dtype: 'BF16', shape: [1], file: 'x', data: u16Bytes([0x7fc0]) };
    expect(toFloat16Bits(nan)[0]! & 0x7e00).toBe(0x7e00);
  });

  it('copies F16 bits unchanged, also from an odd byte offset', () => {
    const backing = new Uint8Array(7);
    backing.set(u16Bytes([0x3c00, 0x7e00, 0x8001]), 1);
    const info: TensorInfo = { name: 'h', dtype: 'F16', shape: [3], file: 'x', data: backing.subarray(1) };
    const out = toFloat16Bits(info);
    expect(Array.from(out)).toEqual([0x3c00, 0x7e00, 0x8001]);
    expect(out.buffer).not.toBe(backing.buffer);
  });
});
