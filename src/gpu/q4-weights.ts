/**
 * 4-bit group-quantized weights on the GPU: the one internal layout that AWQ and GPTQ checkpoints
 * and load-time quantization are all repacked into. A matrix W [rows N = out, cols K = in]
 * (Linear y = x·Wᵀ; for the embedding N = vocab, K = hidden, a row per token), group size G along
 * K (G a multiple of 8 dividing K, e.g. 32, 64, 128; groups = K / G):
 *
 *   qweight: u32 [N, K/8]              nibble i (bits 4i..4i+3) of word (n, j) = q[n, 8j + i],
 *                                      q ∈ 0..15 (low nibble first, natural order)
 *   scales:  u32 [N, ceil(groups/2)]   f16 pairs: group g of row n in the low half of word
 *                                      (n, g >> 1) when g is even, the high half when odd
 *   zeros:   u32 [N, ceil(groups/4)]   byte (g & 3) of word (n, g >> 2) = zero point z[n, g] ∈ 0..16
 *   optional groupIndex: u32 [K]       act-order (GPTQ desc_act): the group of input channel k;
 *                                      absent: g(k) = k / G
 *   w[n, k] = (f32(q[n, k]) − f32(z[n, g(k)])) · f32(s[n, g(k)])       computed in f32
 *
 * Zeros are bytes, not nibbles: a GPTQ v1 checkpoint stores zero − 1 in a nibble, so a stored 15
 * is a zero point of 16 (model-math.md); AWQ and load-time zeros use 0..15. Unused nibbles, bytes
 * and halves at the end of a row's scales/zeros words are zero. A matrix larger
 * than the adapter's storage binding limit is split by rows into chunks, as PackedMatrix does,
 * each chunk with its own qweight, scales and zeros buffers. With act-order, a fused matrix (q/k/v,
 * gate/up) has one groupIndex per part, since each part's g_idx differs: chunks then end at the
 * part boundaries (`partRows`) and each chunk binds its part's groupIndex.
 */
export interface Q4Chunk {
  readonly qweight: GPUBuffer;
  readonly scales: GPUBuffer;
  readonly zeros: GPUBuffer;
  readonly firstRow: number;
  readonly rows: number;
  /** u32 [K], the group of each input channel for this chunk's part (act-order); absent: g(k) = k / G. */
  readonly groupIndex?: GPUBuffer | undefined;
}

export interface Q4Matrix {
  readonly format: 'q4';
  readonly rows: number;
  readonly cols: number;
  readonly groupSize: number;
  /** cols / groupSize */
  readonly groups: number;
  /** u32 words per row of qweight, scales and zeros: K/8, ceil(groups/2), ceil(groups/4). */
  readonly qweightWords: number;
  readonly scaleWords: number;
  readonly zeroWords: number;
  readonly chunks: readonly Q4Chunk[];
}

/** One or more whole rows in the layout above, [n, qweightWords] / [n, scaleWords] / [n, zeroWords]. */
export interface Q4Rows {
  readonly qweight: Uint32Array;
  readonly scales: Uint32Array;
  readonly zeros: Uint32Array;
}

export interface Q4MatrixOptions {
  /** Allocate a groupIndex buffer per part (GPTQ desc_act); fill them with writeQ4GroupIndex. */
  readonly actOrder?: boolean;
  /** Rows of each part stacked in the matrix (default: one part); with actOrder, chunks end at part ends. */
  readonly partRows?: readonly number[];
  readonly maxBindingBytes?: number;
}

export function isQ4Matrix(matrix: object): matrix is Q4Matrix {
  return (matrix as Partial<Q4Matrix>).format === 'q4';
}

/** The word counts per row of each array, validating (K, G). */
export function q4RowWords(cols: number, groupSize: number): { qweightWords: number; scaleWords: number; zeroWords: number; groups: number } {
  if (!Number.isInteger(groupSize) || groupSize <= 0 || groupSize % 8 !== 0 || cols % groupSize !== 0) {
    throw new RangeError(`q4: group size ${groupSize} must be a multiple of 8 dividing cols ${cols}`);
  }
  const groups = cols / groupSize;
  return { qweightWords: cols / 8, scaleWords: Math.ceil(groups / 2), zeroWords: Math.ceil(groups / 4), groups };
}

export function createQ4Matrix(
  device: GPUDevice,
  rows: number,
  cols: number,
  groupSize: number,
  label: string,
  { actOrder = false, partRows = [rows], maxBindingBytes = device.limits.maxStorageBufferBindingSize }: Q4MatrixOptions = {},
): Q4Matrix {
  if (partRows.reduce((sum, part) => sum + part, 0) !== rows) throw new RangeError(`createQ4Matrix: parts of ${partRows.join(' + ')} rows are not ${rows}`);
  const words = q4RowWords(cols, groupSize);
  // qweight is the largest of the three per row (K/2 bytes against 2·K/G and K/(2G)).
  const rowsPerChunk = Math.max(1, Math.floor(Math.min(maxBindingBytes, device.limits.maxBufferSize) / (words.qweightWords * 4)));
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const chunks: Q4Chunk[] = [];
  // Without act-order the parts need no boundary of their own: one part of all rows.
  const parts = actOrder ? partRows : [rows];
  let partStart = 0;
  for (const [partIndex, partSize] of parts.entries()) {
    const partEnd = partStart + partSize;
    const groupIndex = actOrder
      ? device.createBuffer({ label: parts.length === 1 ? `${label}.groupIndex` : `${label}.groupIndex[${partIndex}]`, size: Math.max(16, cols * 4), usage })
      : undefined;
    for (let firstRow = partStart; firstRow < partEnd; firstRow += rowsPerChunk) {
      const chunkRows = Math.min(rowsPerChunk, partEnd - firstRow);
      const name = firstRow === 0 && chunkRows === rows ? label : `${label}[${chunks.length}]`;
    const buffer = (part: string, wordsPerRow: number) =>
      device.createBuffer({ label: `${name}.${part}`, size: Math.max(16, Math.ceil((chunkRows * wordsPerRow * 4) / 16) * 16), usage });
      chunks.push({
        qweight: buffer('qweight', words.qweightWords),
        scales: buffer('scales', words.scaleWords),
        zeros: buffer('zeros', words.zeroWords),
        firstRow,
        rows: chunkRows,
        groupIndex,
      });
    }
    partStart = partEnd;
  }
  return { format: 'q4', rows, cols, groupSize, ...words, chunks };
}

/** Every distinct GPU buffer of the matrix (a part's groupIndex is shared by its chunks). */
export function q4Buffers(matrix: Q4Matrix): GPUBuffer[] {
  const buffers = new Set<GPUBuffer>();
  for (const chunk of matrix.chunks) {
    for (const buffer of [chunk.qweight, chunk.scales, chunk.zeros, chunk.groupIndex]) if (buffer !== undefined) buffers.add(buffer);
  }
  return [...buffers];
}

/** Writes rows [firstRow, firstRow + n) given in the layout above. Rows may straddle chunks. */
export function writeQ4Rows(device: GPUDevice, matrix: Q4Matrix, firstRow: number, rows: Q4Rows): void {
  const numRows = rows.qweight.length / matrix.qweightWords;
  if (
    !Number.isInteger(numRows) ||
    firstRow < 0 ||
    firstRow + numRows > matrix.rows ||
    rows.scales.length !== numRows * matrix.scaleWords ||
    rows.zeros.length !== numRows * matrix.zeroWords
  ) {
    throw new RangeError(`writeQ4Rows: arrays of ${rows.qweight.length}/${rows.scales.length}/${rows.zeros.length} words are not the same whole rows of a [${matrix.rows}, ${matrix.cols}] matrix at row ${firstRow}`);
  }
  for (const chunk of matrix.chunks) {
    const start = Math.max(firstRow, chunk.firstRow);
    const end = Math.min(firstRow + numRows, chunk.firstRow + chunk.rows);
    if (start >= end) continue;
    const write = (buffer: GPUBuffer, source: Uint32Array, wordsPerRow: number) => {
      const part = source.subarray((start - firstRow) * wordsPerRow, (end - firstRow) * wordsPerRow);
      device.queue.writeBuffer(buffer, (start - chunk.firstRow) * wordsPerRow * 4, part.buffer, part.byteOffset, part.byteLength);
    };
    write(chunk.qweight, rows.qweight, matrix.qweightWords);
    write(chunk.scales, rows.scales, matrix.scaleWords);
    write(chunk.zeros, rows.zeros, matrix.zeroWords);
  }
}

/**
 * Uploads the act-order group of each input channel (u32 [K], every value < groups) for the part
 * starting at `firstRow` (default: the whole matrix's one part).
 */
export function writeQ4GroupIndex(device: GPUDevice, matrix: Q4Matrix, groupIndex: Uint32Array, firstRow = 0): void {
  const buffer = matrix.chunks.find((chunk) => chunk.firstRow === firstRow)?.groupIndex;
  if (buffer === undefined) throw new Error(`writeQ4GroupIndex: no act-order part of the matrix starts at row ${firstRow}`);
  if (groupIndex.length !== matrix.cols) throw new RangeError(`writeQ4GroupIndex: ${groupIndex.length} entries for ${matrix.cols} columns`);
  const bad = groupIndex.findIndex((group) => group >= matrix.groups);
  if (bad >= 0) throw new RangeError(`writeQ4GroupIndex: group ${groupIndex[bad]} of column ${bad} is not below ${matrix.groups}`);
  device.queue.writeBuffer(buffer, 0, groupIndex.buffer, groupIndex.byteOffset, groupIndex.byteLength);
}
