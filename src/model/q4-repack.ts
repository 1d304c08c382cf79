/**
 * AWQ and GPTQ tensors, as the Hub publishes them (model-math.md), repacked into the runtime's
 * one 4-bit layout of a matrix W [rows N = out, cols K = in] with groups of G input channels:
 *   qweight u32 [N, K/8]   nibble i (bits 4i … 4i+3) of word (n, j) = q[n, 8j + i]
 *   scales  f16 [N, groups] zeros u8 [N, groups]   (GPU packing of these two is q4-weights.ts's)
 *   groupIndex u32 [K]     only when a channel's group is not k / G (GPTQ act-order)
 *   w[n, k] = (q[n, k] − zero[n, g(k)]) · scale[n, g(k)]
 * Row-major by output row, so a decode matmul reads each row's weights as one run, as with f16.
 *
 * The classic loader bugs each have a rule here: AWQ's nibbles are interleaved (ORDER below);
 * GPTQ v1 stores zero − 1 (a stored 15 reads back as 16, so zeros are bytes, not nibbles); g_idx
 * is honoured whenever it differs from k / G, desc_act or not; and every tensor's shape is checked,
 * so a transposed qweight is refused by name rather than read sideways.
 */
import { LlmError } from '../errors.ts';
import { q4RowWords, type Q4Rows } from '../gpu/q4-weights.ts';

export interface QuantizedMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly groupSize: number;
  readonly qweight: Uint32Array;
  /** f16 bits, [rows, groups]. */
  readonly scales: Uint16Array;
  /** [rows, groups], 0 … 16. */
  readonly zeros: Uint8Array;
  readonly groupIndex?: Uint32Array;
}

export interface QuantTensor<T extends Uint32Array | Int32Array | Uint16Array> {
  readonly shape: readonly number[];
  readonly data: T;
}

/** AWQ gemm: nibble i of a packed word holds output column 8j + AWQ_ORDER[i]. */
export const AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7] as const;
/** The nibble that holds column 8j + c. */
const AWQ_NIBBLE_OF = AWQ_ORDER.map((_, c) => AWQ_ORDER.indexOf(c as 0));

function checkShape(name: string, tensor: QuantTensor<Uint32Array | Int32Array | Uint16Array>, expected: readonly number[]): void {
  const same = tensor.shape.length === expected.length && tensor.shape.every((size, i) => size === expected[i]);
  if (!same) {
    throw new LlmError('tensor_shape_mismatch', `${name} has shape [${tensor.shape.join(', ')}], expected [${expected.join(', ')}]`, name);
  }
  if (tensor.data.length !== expected.reduce((product, size) => product * size, 1)) {
    throw new LlmError('tensor_shape_mismatch', `${name} holds ${tensor.data.length} values, its shape says otherwise`, name);
  }
}

const nibble = (word: number, index: number) => (word >>> (4 * index)) & 0xf;

/** The layout's arrays for one matrix, zeroed. */
function layout(rows: number, cols: number, groupSize: number, groups: number): Omit<QuantizedMatrix, 'groupIndex'> {
  return { rows, cols, groupSize, qweight: new Uint32Array(rows * (cols / 8)), scales: new Uint16Array(rows * groups), zeros: new Uint8Array(rows * groups) };
}

/**
 * AWQ qweight [K, N/8] → the layout's [N, K/8]: an 8 × 8 nibble transpose per block of 8 inputs
 * (k) × 8 outputs (n), undoing AWQ_ORDER on the way. Arithmetic only, ~a few ns a weight, since
 * this runs over every weight of the model at load.
 */
function transposeAwqNibbles(source: Uint32Array | Int32Array, target: Uint32Array, rows: number, cols: number): void {
  const sourceWords = rows / 8;
  const targetWords = cols / 8;
  for (let kb = 0; kb < targetWords; kb++) {
    for (let j = 0; j < sourceWords; j++) {
      const base = kb * 8 * sourceWords + j;
      for (let c = 0; c < 8; c++) {
        const shift = 4 * AWQ_NIBBLE_OF[c]!;
        let word = 0;
        for (let i = 0; i < 8; i++) word |= ((source[base + i * sourceWords]! >>> shift) & 0xf) << (4 * i);
        target[(8 * j + c) * targetWords + kb] = word >>> 0;
      }
    }
  }
}

/**
 * AWQ gemm tensors of one Linear with `cols` inputs and `rows` outputs:
 * qweight [K, N/8], qzeros [K/G, N/8] (both in AWQ_ORDER), scales f16 [K/G, N].
 */
export function repackAwq(
  prefix: string, rows: number, cols: number, groupSize: number,
  tensors: { qweight: QuantTensor<Uint32Array | Int32Array>; qzeros: QuantTensor<Uint32Array | Int32Array>; scales: QuantTensor<Uint16Array> },
): QuantizedMatrix {
  checkDims(prefix, rows, cols, groupSize);
  const groups = cols / groupSize;
  checkShape(`${prefix}.qweight`, tensors.qweight, [cols, rows / 8]);
  checkShape(`${prefix}.qzeros`, tensors.qzeros, [groups, rows / 8]);
  checkShape(`${prefix}.scales`, tensors.scales, [groups, rows]);
  const out = layout(rows, cols, groupSize, groups);
  const words = rows / 8;
  transposeAwqNibbles(tensors.qweight.data, out.qweight, rows, cols);
  for (let g = 0; g < groups; g++) {
    for (let n = 0; n < rows; n++) {
      out.scales[n * groups + g] = tensors.scales.data[g * rows + n]!;
      out.zeros[n * groups + g] = nibble(tensors.qzeros.data[g * words + (n >>> 3)]!, AWQ_NIBBLE_OF[n & 7]!);
    }
  }
  return out;
}

/**
 * GPTQ (v1 checkpoint format) tensors of one Linear: qweight [K/8, N] packed along the input,
 * qzeros [groups, N/8] sequential along the output holding zero − 1, scales f16 [groups, N],
 * g_idx [K]. `groupSize` undefined: group_size -1, one group over all inputs.
 */
export function repackGptq(
  prefix: string, rows: number, cols: number, groupSize: number | undefined,
  tensors: { qweight: QuantTensor<Uint32Array | Int32Array>; qzeros: QuantTensor<Uint32Array | Int32Array>; scales: QuantTensor<Uint16Array>; gIdx?: QuantTensor<Uint32Array | Int32Array> | undefined },
): QuantizedMatrix {
  const size = groupSize ?? cols;
  checkDims(prefix, rows, cols, size);
  const groups = cols / size;
  checkShape(`${prefix}.qweight`, tensors.qweight, [cols / 8, rows]);
  checkShape(`${prefix}.qzeros`, tensors.qzeros, [groups, rows / 8]);
  checkShape(`${prefix}.scales`, tensors.scales, [groups, rows]);
  const out = layout(rows, cols, size, groups);
  // GPTQ's word (j, n) already holds q[n, 8j … 8j+7] low nibble first: the layout's word (n, j).
  const source = tensors.qweight.data;
  const wordsPerRow = cols / 8;
  for (let j = 0; j < wordsPerRow; j++) {
    for (let n = 0; n < rows; n++) out.qweight[n * wordsPerRow + j] = source[j * rows + n]! >>> 0;
  }
  const words = rows / 8;
  for (let g = 0; g < groups; g++) {
    for (let n = 0; n < rows; n++) {
      out.scales[n * groups + g] = tensors.scales.data[g * rows + n]!;
      out.zeros[n * groups + g] = nibble(tensors.qzeros.data[g * words + (n >>> 3)]!, n & 7) + 1;
    }
  }
  const groupIndex = gptqGroupIndex(`${prefix}.g_idx`, tensors.gIdx, cols, size, groups);
  return groupIndex === undefined ? out : { ...out, groupIndex };
}

/** g_idx as the layout wants it: undefined when every channel k is in group k / G. */
function gptqGroupIndex(name: string, gIdx: QuantTensor<Uint32Array | Int32Array> | undefined, cols: number, groupSize: number, groups: number): Uint32Array | undefined {
  if (gIdx === undefined) return undefined;
  checkShape(name, gIdx, [cols]);
  let trivial = true;
  for (let k = 0; k < cols; k++) {
    const group = gIdx.data[k]!;
    if (!Number.isInteger(group) || group < 0 || group >= groups) {
      throw new LlmError('invalid_safetensors', `${name}[${k}] is ${group}, outside the ${groups} groups`, name);
    }
    if (group !== Math.floor(k / groupSize)) trivial = false;
  }
  return trivial ? undefined : Uint32Array.from(gIdx.data);
}

function checkDims(prefix: string, rows: number, cols: number, groupSize: number): void {
  if (rows % 8 !== 0 || cols % 8 !== 0 || cols % groupSize !== 0 || groupSize % 8 !== 0) {
    throw new LlmError('tensor_shape_mismatch', `${prefix}: a 4-bit matrix needs in (${cols}) and out (${rows}) multiples of 8 and in a multiple of the group size (${groupSize})`, prefix);
  }
}

/** The matrix as q4-weights.ts writes it to the GPU: qweight as it is, scales in f16 pairs, zeros in bytes. */
export function packQuantizedMatrix(matrix: QuantizedMatrix): Q4Rows {
  const { rows, cols, groupSize } = matrix;
  const { groups, scaleWords, zeroWords } = q4RowWords(cols, groupSize);
  const scales = new Uint32Array(rows * scaleWords);
  const zeros = new Uint32Array(rows * zeroWords);
  for (let n = 0; n < rows; n++) {
    for (let g = 0; g < groups; g++) {
      const scaleWord = n * scaleWords + (g >> 1);
      scales[scaleWord] = (scales[scaleWord]! | (matrix.scales[n * groups + g]! << (16 * (g & 1)))) >>> 0;
      const zeroWord = n * zeroWords + (g >> 2);
      zeros[zeroWord] = (zeros[zeroWord]! | (matrix.zeros[n * groups + g]! << (8 * (g & 3)))) >>> 0;
    }
  }
  return { qweight: matrix.qweight, scales, zeros };
}
