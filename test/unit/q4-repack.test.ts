/**
 * AWQ and GPTQ tensors → the runtime's 4-bit layout, checked against w[n, k] computed straight from
 * the quantized values (model-math.md's formulas), with packers written here from the published
 * layouts, independently of src/. Each classic loader bug has a test that catches it: AWQ nibble
 * order, GPTQ's zero − 1, an ignored g_idx, a transposed qweight. Also quantization_config parsing.
 */
import { describe, expect, it } from 'vitest';
import { packQuantizedMatrix, repackAwq, repackGptq, type QuantizedMatrix } from '../../src/model/q4-repack.ts';
import { dequantizeQ4Rows } from '../support/q4-reference.ts';
import { parseQuantizationConfig } from '../../src/model/quantization-config.ts';
import { isLlmError } from '../../src/errors.ts';
import { halfToFloat, Random } from '../support/random.ts';

/** A random quantized matrix: q [K, N] (input-major, as both formats index it), zeros and f16 scales [groups, N]. */
function randomQuantized(random: Random, cols: number, rows: number, groups: number) {
  const q = Array.from({ length: cols * rows }, () => random.int(0, 15));
  const zeros = Array.from({ length: groups * rows }, () => random.int(0, 15));
  // f16 bits of scales in [2^-8, 2^-4): positive normal halves.
  const scales = Uint16Array.from({ length: groups * rows }, () => ((random.int(7, 10) << 10) | random.int(0, 1023)));
  return { q, zeros, scales };
}

/** w[n, k] from the layout, as a kernel reads it. */
function dequantize(out: QuantizedMatrix, n: number, k: number): number {
  const groups = out.cols / out.groupSize;
  const group = out.groupIndex?.[k] ?? Math.floor(k / out.groupSize);
  const q = (out.qweight[n * (out.cols / 8) + (k >> 3)]! >>> (4 * (k & 7))) & 0xf;
  return (q - out.zeros[n * groups + group]!) * halfToFloat(out.scales[n * groups + group]!);
}

/** Packs 8 nibbles low first: `values[i]` into bits 4i … 4i+3. */
const pack8 = (values: readonly number[]) => values.reduce((word, value, i) => (word | (value << (4 * i))) >>> 0, 0);

/** AutoAWQ's gemm packing: word (r, j) holds columns 8j + [0, 2, 4, 6, 1, 3, 5, 7] of row r. */
function awqPack(values: readonly number[], rowsIn: number, cols: number): Uint32Array {
  const order = [0, 2, 4, 6, 1, 3, 5, 7];
  const out = new Uint32Array(rowsIn * (cols / 8));
  for (let r = 0; r < rowsIn; r++) for (let j = 0; j < cols / 8; j++) out[r * (cols / 8) + j] = pack8(order.map((c) => values[r * cols + 8 * j + c]!));
  return out;
}

/** GPTQ v1 qweight: word (r, n) holds inputs 8r … 8r+7 of column n. */
function gptqPackWeight(q: readonly number[], cols: number, rows: number): Uint32Array {
  const out = new Uint32Array((cols / 8) * rows);
  for (let r = 0; r < cols / 8; r++) for (let n = 0; n < rows; n++) out[r * rows + n] = pack8(Array.from({ length: 8 }, (_, i) => q[(8 * r + i) * rows + n]!));
  return out;
}

/** GPTQ v1 qzeros: sequential nibbles along the output, each zero − 1 (wrapping at 4 bits). */
function gptqPackZeros(zeros: readonly number[], groups: number, rows: number): Uint32Array {
  const out = new Uint32Array(groups * (rows / 8));
  for (let g = 0; g < groups; g++) for (let j = 0; j < rows / 8; j++) out[g * (rows / 8) + j] = pack8(Array.from({ length: 8 }, (_, i) => (zeros[g * rows + 8 * j + i]! - 1) & 0xf));
  return out;
}

function expectMatches(out: QuantizedMatrix, expected: (n: number, k: number) => number): void {
  for (let n = 0; n < out.rows; n++) for (let k = 0; k < out.cols; k++) {
    const want = expected(n, k);
    if (dequantize(out, n, k) !== want) expect.fail(`w[${n}, ${k}] = ${dequantize(out, n, k)}, expected ${want}`);
  }
}

describe('AWQ gemm → the runtime layout', () => {
  it.each([[64, 16, 32], [128, 24, 64], [256, 8, 128]])('K %i, N %i, G %i: every weight dequantizes as the formula says', (cols, rows, groupSize) => {
    const random = new Random(cols + rows);
    const groups = cols / groupSize;
    const { q, zeros, scales } = randomQuantized(random, cols, rows, groups);
    const out = repackAwq('l', rows, cols, groupSize, {
      qweight: { shape: [cols, rows / 8], data: awqPack(q, cols, rows) },
      qzeros: { shape: [groups, rows / 8], data: awqPack(zeros, groups, rows) },
      scales: { shape: [groups, rows], data: scales },
    });
    const group = (k: number) => Math.floor(k / groupSize);
    expectMatches(out, (n, k) => (q[k * rows + n]! - zeros[group(k) * rows + n]!) * halfToFloat(scales[group(k) * rows + n]!));
  });

  it('reads the interleaved nibble order: word 0x76543210 is columns 0, 4, 1, 5, 2, 6, 3, 7', () => {
    const out = repackAwq('l', 8, 8, 8, {
      qweight: { shape: [8, 1], data: Uint32Array.from({ length: 8 }, (_, k) => (k === 0 ? 0x76543210 : 0)) },
      qzeros: { shape: [1, 1], data: Uint32Array.of(0) },
      scales: { shape: [1, 8], data: new Uint16Array(8).fill(0x3c00) }, // 1.0
    });
    expect(Array.from({ length: 8 }, (_, n) => dequantize(out, n, 0))).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
  });

  it('refuses a transposed qweight by name', () => {
    const error = (() => {
      try {
        repackAwq('model.layers.0.mlp.up_proj', 16, 64, 32, {
          qweight: { shape: [16, 8], data: new Uint32Array(128) },
          qzeros: { shape: [2, 2], data: new Uint32Array(4) },
          scales: { shape: [2, 16], data: new Uint16Array(32) },
        });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(isLlmError(error, 'tensor_shape_mismatch')).toBe(true);
    expect((error as Error).message).toContain('model.layers.0.mlp.up_proj.qweight');
  });
});

describe('GPTQ v1 → the runtime layout', () => {
  function gptq(cols: number, rows: number, groupSize: number, zeros: number[], q: number[], scales: Uint16Array, gIdx?: number[]) {
    const groups = cols / groupSize;
    return repackGptq('l', rows, cols, groupSize, {
      qweight: { shape: [cols / 8, rows], data: gptqPackWeight(q, cols, rows) },
      qzeros: { shape: [groups, rows / 8], data: gptqPackZeros(zeros, groups, rows) },
      scales: { shape: [groups, rows], data: scales },
      ...(gIdx === undefined ? {} : { gIdx: { shape: [cols], data: Int32Array.from(gIdx) } }),
    });
  }

  it.each([[64, 16, 32], [128, 8, 64]])('K %i, N %i, G %i: zero points read back as stored + 1', (cols, rows, groupSize) => {
    const random = new Random(cols * rows);
    const groups = cols / groupSize;
    const quantized = randomQuantized(random, cols, rows, groups);
    // Real zeros 1 … 16: GPTQ v1 writes zero − 1, and its readers add the 1 back (16 included).
    const zeros = quantized.zeros.map((zero) => zero + 1);
    const out = gptq(cols, rows, groupSize, zeros, quantized.q, quantized.scales, Array.from({ length: cols }, (_, k) => Math.floor(k / groupSize)));
    expect(out.groupIndex).toBeUndefined();
    const group = (k: number) => Math.floor(k / groupSize);
    expectMatches(out, (n, k) => (quantized.q[k * rows + n]! - zeros[group(k) * rows + n]!) * halfToFloat(quantized.scales[group(k) * rows + n]!));
  });

  it('symmetric weights (zero 8, stored as 7) centre q on 8', () => {
    const out = gptq(8, 8, 8, new Array<number>(8).fill(8), Array.from({ length: 64 }, (_, i) => i % 16), new Uint16Array(8).fill(0x3c00));
    expect(dequantize(out, 0, 0)).toBe(-8);
    expect(dequantize(out, 0, 1)).toBe(0); // q[1, 0] = 8
  });

  it('honours g_idx under act-order (desc_act): a channel\'s group is never assumed to be k / G', () => {
    const cols = 64;
    const rows = 8;
    const groupSize = 16;
    const random = new Random(99);
    const quantized = randomQuantized(random, cols, rows, cols / groupSize);
    // Act-order: groups follow a permutation of the channels.
    const order = Array.from({ length: cols }, (_, k) => k).sort(() => random.next() - 0.5);
    const gIdx = new Array<number>(cols);
    order.forEach((k, position) => (gIdx[k] = Math.floor(position / groupSize)));
    const zeros = quantized.zeros.map((zero) => zero + 1);
    const out = gptq(cols, rows, groupSize, zeros, quantized.q, quantized.scales, gIdx);
    expect(out.groupIndex).toEqual(Uint32Array.from(gIdx));
    expectMatches(out, (n, k) => (quantized.q[k * rows + n]! - zeros[gIdx[k]! * rows + n]!) * halfToFloat(quantized.scales[gIdx[k]! * rows + n]!));
  });

  it('group_size -1 is one group over every input', () => {
    const out = repackGptq('l', 8, 16, undefined, {
      qweight: { shape: [2, 8], data: new Uint32Array(16).fill(0x11111111) },
      qzeros: { shape: [1, 1], data: Uint32Array.of(0) },
      scales: { shape: [1, 8], data: new Uint16Array(8).fill(0x4000) }, // 2.0
    });
    expect(out.groupSize).toBe(16);
    expect(dequantize(out, 3, 15)).toBe(0); // (1 − 1) · 2
  });

  it('refuses a g_idx naming a group that does not exist', () => {
    expect(() => gptq(16, 8, 8, new Array<number>(16).fill(1), new Array<number>(128).fill(0), new Uint16Array(16), new Array<number>(16).fill(2)))
      .toThrow(/g_idx\[0\] is 2/);
  });
});

describe('quantization_config', () => {
  it('reads the published AWQ and GPTQ configs', () => {
    expect(parseQuantizationConfig({ quant_method: 'awq', bits: 4, group_size: 128, zero_point: true, version: 'gemm', modules_to_not_convert: null }))
      .toEqual({ method: 'awq', bits: 4, groupSize: 128 });
    expect(parseQuantizationConfig({ quant_method: 'gptq', bits: 4, group_size: 128, desc_act: true, sym: false, checkpoint_format: 'gptq' }))
      .toEqual({ method: 'gptq', bits: 4, groupSize: 128, descAct: true, sym: false });
    expect(parseQuantizationConfig({ quant_method: 'gptq', bits: 4, group_size: -1 })).toEqual({ method: 'gptq', bits: 4, groupSize: undefined, descAct: false, sym: true });
    expect(parseQuantizationConfig(undefined)).toBeUndefined();
  });

  it.each([
    [{ quant_method: 'awq', bits: 8, group_size: 128, zero_point: true, version: 'gemm' }, 'quantization_config.bits'],
    [{ quant_method: 'awq', bits: 4, group_size: 128, zero_point: true, version: 'gemv' }, 'quantization_config.version'],
    [{ quant_method: 'gptq', bits: 4, group_size: 128, checkpoint_format: 'gptq_v2' }, 'quantization_config.checkpoint_format'],
    [{ quant_method: 'gptq', bits: 4, group_size: 128, is_marlin_format: true }, 'quantization_config.is_marlin_format'],
    [{ quant_method: 'awq', bits: 4, group_size: 128, zero_point: true, version: 'gemm', modules_to_not_convert: ['visual'] }, 'quantization_config.modules_to_not_convert'],
    [{ quant_method: 'bitsandbytes', bits: 4 }, 'quantization_config.quant_method'],
    [{ quant_method: 'gptq', bits: 4, group_size: 100 }, 'quantization_config.group_size'],
  ])('refuses %j naming %s', (config, subject) => {
    let error: unknown;
    try {
      parseQuantizationConfig(config);
    } catch (caught) {
      error = caught;
    }
    expect(isLlmError(error)).toBe(true);
    expect((error as { subject: string }).subject).toBe(subject);
    expect((error as Error).message).toContain(subject);
  });
});

describe('packQuantizedMatrix', () => {
  it('gives the GPU layout the kernels read (checked against the layout\'s reference dequantizer)', () => {
    const rows = 16;
    const cols = 96;
    const groupSize = 32;
    const random = new Random(5);
    const quantized = randomQuantized(random, cols, rows, cols / groupSize);
    // GPTQ v1 zeros up to 16 exercise the byte-wide zero points.
    const zeros = quantized.zeros.map((zero) => zero + 1);
    const matrix = repackGptq('l', rows, cols, groupSize, {
      qweight: { shape: [cols / 8, rows], data: gptqPackWeight(quantized.q, cols, rows) },
      qzeros: { shape: [cols / groupSize, rows / 8], data: gptqPackZeros(zeros, cols / groupSize, rows) },
      scales: { shape: [cols / groupSize, rows], data: quantized.scales },
    });
    const w = dequantizeQ4Rows(packQuantizedMatrix(matrix), rows, cols, groupSize);
    for (let n = 0; n < rows; n++) for (let k = 0; k < cols; k++) expect(w[n * cols + k]).toBe(dequantize(matrix, n, k));
  });
});
