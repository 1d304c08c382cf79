/**
 * Load-time 4-bit quantization of an f32 matrix W [rows, cols] into the runtime's layout
 * (q4-repack.ts's QuantizedMatrix): round-to-nearest per group of `groupSize` inputs, asymmetric, as AWQ
 * stores it: scale = (max − min) / 15 rounded to f16, zero = round(−min / scale) in 0 … 15,
 * q = clamp(round(w / scale) + zero, 0, 15). q is computed from the f16 scale the GPU will use,
 * so a weight's error is at most half a step of that scale (plus the clamp when rounding the zero
 * pushed an end out of range). Rows are quantized independently, so a shard's rows can be done as
 * they stream in.
 */
import type { QuantizedMatrix } from './q4-repack.ts';
import { float32BitToFloat16Bit, halfValue } from './safetensors.ts';

export { halfValue };

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** f32 → the nearest f16, as bits and as its value. */
function toHalf(value: number): { bits: number; value: number } {
  f32[0] = value;
  const bits = float32BitToFloat16Bit(f32Bits[0]!);
  return { bits, value: halfValue(bits) };
}

/**
 * Group size of load-time quantization (load option quantization 'q4'): 32, as AWQ/GPTQ
 * checkpoints with the best quality use; see the README's model-loading section for the measurement.
 */
export const LOAD_Q4_GROUP_SIZE = 32;

/** The smallest scale kept: a constant group still needs a positive step (f16's smallest normal). */
const minScale = 2 ** -14;

export function quantizeQ4(values: Float32Array, rows: number, cols: number, groupSize: number): QuantizedMatrix {
  if (values.length !== rows * cols) throw new RangeError(`quantizeQ4: ${values.length} values is not ${rows} × ${cols}`);
  if (cols % 8 !== 0 || groupSize % 8 !== 0 || cols % groupSize !== 0) {
    throw new RangeError(`quantizeQ4: cols (${cols}) must be a multiple of 8 and of the group size (${groupSize})`);
  }
  const groups = cols / groupSize;
  const qweight = new Uint32Array(rows * (cols / 8));
  const scales = new Uint16Array(rows * groups);
  const zeros = new Uint8Array(rows * groups);
  for (let n = 0; n < rows; n++) {
    for (let g = 0; g < groups; g++) {
      const start = n * cols + g * groupSize;
      let min = 0; // the grid always holds 0 exactly, as AWQ's does
      let max = 0;
      for (let i = 0; i < groupSize; i++) {
        const value = values[start + i]!;
        if (!Number.isFinite(value)) throw new RangeError(`quantizeQ4: weight [${n}, ${g * groupSize + i}] is ${value}`);
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      const scale = toHalf(Math.max((max - min) / 15, minScale));
      const zero = Math.min(15, Math.max(0, Math.round(-min / scale.value)));
      scales[n * groups + g] = scale.bits;
      zeros[n * groups + g] = zero;
      for (let i = 0; i < groupSize; i++) {
        const q = Math.min(15, Math.max(0, Math.round(values[start + i]! / scale.value) + zero));
        const k = g * groupSize + i;
        const word = n * (cols / 8) + (k >>> 3);
        qweight[word] = (qweight[word]! | (q << (4 * (k & 7)))) >>> 0;
      }
    }
  }
  return { rows, cols, groupSize, qweight, scales, zeros };
}
