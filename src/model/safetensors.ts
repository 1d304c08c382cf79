/**
 * Whole safetensors files in memory (tests, tools) and the dtype conversion every load uses. The
 * header rules live in safetensors-header.ts; loading streams files instead (checkpoint-stream.ts)
 * and converts each piece with toFloat16Bits. Parsing makes views into the file's bytes, never
 * copies.
 */
import { LlmError } from '../errors.ts';
import { checkFileSize, parseSafetensorsHeader, readHeaderLength, type TensorHeader } from './safetensors-header.ts';

export type { TensorDtype } from './safetensors-header.ts';

export interface TensorInfo extends TensorHeader {
  /** The tensor's raw little-endian bytes: a view into the file's bytes (no copy). */
  readonly data: Uint8Array;
}

export function parseSafetensors(bytes: Uint8Array, fileName: string): Map<string, TensorInfo> {
  readHeaderLength(bytes, fileName, bytes.byteLength);
  const header = parseSafetensorsHeader(bytes, fileName);
  checkFileSize(header, bytes.byteLength);
  const tensors = new Map<string, TensorInfo>();
  for (const { name, dtype, shape, begin, end } of header.tensors) {
    tensors.set(name, { name, dtype, shape, file: fileName, data: bytes.subarray(header.dataStart + begin, header.dataStart + end) });
  }
  return tensors;
}

/** An aligned copy when a typed-array view cannot start at this byte offset. */
function aligned(data: Uint8Array, alignment: number): Uint8Array {
  return data.byteOffset % alignment === 0 ? data : data.slice();
}

/** The value of an f16 bit pattern. */
export function halfValue(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The tensor's float values as f32 (exact from BF16, F16 and F32), for load-time quantization. */
export function toFloat32(info: TensorInfo): Float32Array {
  const data = info.data;
  if (info.dtype === 'F32') {
    const source = aligned(data, 4);
    return new Float32Array(source.buffer, source.byteOffset, source.byteLength / 4).slice();
  }
  if (info.dtype !== 'F16' && info.dtype !== 'BF16') throw new LlmError('unknown_dtype', `${info.file}: tensor "${info.name}" is ${info.dtype}, not a float tensor`, info.name);
  const source = aligned(data, 2);
  const halves = new Uint16Array(source.buffer, source.byteOffset, source.byteLength / 2);
  const out = new Float32Array(halves.length);
  if (info.dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16;
  } else {
    for (let i = 0; i < halves.length; i++) out[i] = halfValue(halves[i]!);
  }
  return out;
}

/**
 * The tensor as IEEE half-precision bits, matching PyTorch's `tensor.to(torch.float16)`:
 * round to nearest even, subnormals kept, overflow → ±inf, NaN stays NaN. BF16 goes through
 * f32 (its bits are the top half of an f32).
 */
export function toFloat16Bits(info: TensorInfo): Uint16Array {
  const data = info.data;
  if (info.dtype === 'I32') throw new LlmError('unknown_dtype', `${info.file}: tensor "${info.name}" is I32, not a float tensor`, info.name);
  if (info.dtype === 'F16') {
    const source = aligned(data, 2);
    return new Uint16Array(source.buffer, source.byteOffset, source.byteLength / 2).slice();
  }
  if (info.dtype === 'F32') {
    const source = aligned(data, 4);
    return float32BitsToFloat16Bits(new Int32Array(source.buffer, source.byteOffset, source.byteLength / 4));
  }
  const source = aligned(data, 2);
  const bf16 = new Uint16Array(source.buffer, source.byteOffset, source.byteLength / 2);
  const out = new Uint16Array(bf16.length);
  for (let i = 0; i < bf16.length; i++) out[i] = float32BitToFloat16Bit((bf16[i] as number) << 16);
  return out;
}

/**
 * Converts f32 bit patterns to f16 bit patterns; the hot loop of weight loading (~3 ns/value).
 * Reads through an Int32Array view: V8 keeps int32 values unboxed, while u32 values ≥ 2^31
 * (every negative float) become heap numbers and slow the loop down about 2×.
 */
export function float32BitsToFloat16Bits(bits: Int32Array | Uint32Array): Uint16Array {
  const words = bits instanceof Int32Array ? bits : new Int32Array(bits.buffer, bits.byteOffset, bits.length);
  const out = new Uint16Array(words.length);
  const length = words.length;
  for (let i = 0; i < length; i++) out[i] = float32BitToFloat16Bit(words[i] as number);
  return out;
}

/**
 * One f32 → f16 conversion in integer arithmetic (no Float16Array / Math.f16round in Node 20).
 * Normal range: rebias the exponent and round the 13 dropped mantissa bits to nearest even by
 * adding 0xfff + (lowest kept bit); a carry rolls into the exponent, up to inf.
 */
export function float32BitToFloat16Bit(f32Bits: number): number {
  const sign = (f32Bits >>> 16) & 0x8000;
  const magnitude = f32Bits & 0x7fffffff;
  if (magnitude >= 0x47800000) {
    // ≥ 2^16 (already inf in f16), inf, or NaN. NaN keeps its top payload bits and is quieted,
    // as the F16C conversion PyTorch uses on CPU does.
    if (magnitude > 0x7f800000) return sign | 0x7e00 | ((magnitude >>> 13) & 0x3ff);
    return sign | 0x7c00;
  }
  if (magnitude >= 0x38800000) {
    // ≥ 2^-14: a normal half (or rounds up to inf). (127 - 15) << 23 rebiases the exponent.
    const rounded = magnitude - 0x38000000 + 0xfff + ((magnitude >>> 13) & 1);
    return sign | (rounded >>> 13);
  }
  // Below 2^-14: a half subnormal, in units of 2^-24: mantissa · 2^(exponent − 126).
  const exponent = magnitude >>> 23;
  if (exponent < 102) return sign; // < 2^-25: rounds to ±0
  const mantissa = (magnitude & 0x7fffff) | 0x800000;
  const shift = 126 - exponent; // 14..24
  const halfway = 1 << (shift - 1);
  const remainder = mantissa & ((1 << shift) - 1);
  let result = mantissa >>> shift;
  if (remainder > halfway || (remainder === halfway && (result & 1) === 1)) result += 1;
  return sign | result;
}
