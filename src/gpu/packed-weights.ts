/**
 * f16 weights on the GPU, two halves per u32 so adapters without `shader-f16` read them with
 * unpack2x16float. A matrix [rows, cols] (Linear weight [out, in]) keeps each row padded to a
 * multiple of 8 halves (one 16-byte word) so decode matmuls load whole words; a matrix larger than
 * the adapter's binding limit is split by rows into chunks, each its own buffer.
 */
export interface MatrixChunk {
  readonly buffer: GPUBuffer;
  readonly firstRow: number;
  readonly rows: number;
}

export interface PackedMatrix {
  readonly rows: number;
  readonly cols: number;
  /** 16-byte words per padded row: ceil(cols / 8). */
  readonly rowVec4: number;
  readonly chunks: readonly MatrixChunk[];
}

export function rowVec4(cols: number): number {
  return Math.ceil(cols / 8);
}

export function createPackedMatrix(
  device: GPUDevice,
  rows: number,
  cols: number,
  label: string,
  maxBindingBytes = device.limits.maxStorageBufferBindingSize,
  /** Only for encode-cost measurements on a backend that executes nothing. */
  bufferBytesOverride?: number,
): PackedMatrix {
  const words = rowVec4(cols);
  const rowBytes = words * 16;
  const rowsPerChunk = Math.max(1, Math.floor(Math.min(maxBindingBytes, bufferBytesOverride === undefined ? device.limits.maxBufferSize : maxBindingBytes) / rowBytes));
  const chunks: MatrixChunk[] = [];
  for (let firstRow = 0; firstRow < rows; firstRow += rowsPerChunk) {
    const chunkRows = Math.min(rowsPerChunk, rows - firstRow);
    const buffer = device.createBuffer({
      label: chunks.length === 0 && firstRow + chunkRows === rows ? label : `${label}[${chunks.length}]`,
      size: bufferBytesOverride ?? chunkRows * rowBytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    chunks.push({ buffer, firstRow, rows: chunkRows });
  }
  return { rows, cols, rowVec4: words, chunks };
}

/**
 * Writes rows [firstRow, firstRow + n) from f16 bits laid out [n, cols] (unpadded), padding each
 * row as the GPU layout wants. Rows may straddle chunks.
 */
export function writeMatrixRows(device: GPUDevice, matrix: PackedMatrix, firstRow: number, halves: Uint16Array): void {
  const { cols } = matrix;
  const paddedCols = matrix.rowVec4 * 8;
  const numRows = halves.length / cols;
  if (!Number.isInteger(numRows) || firstRow + numRows > matrix.rows) {
    throw new RangeError(`writeMatrixRows: ${halves.length} halves is not whole rows of ${cols} within ${matrix.rows}`);
  }
  const padded = paddedCols === cols ? halves : padRows(halves, numRows, cols, paddedCols);
  for (const chunk of matrix.chunks) {
    const start = Math.max(firstRow, chunk.firstRow);
    const end = Math.min(firstRow + numRows, chunk.firstRow + chunk.rows);
    if (start >= end) continue;
    const source = padded.subarray((start - firstRow) * paddedCols, (end - firstRow) * paddedCols);
    device.queue.writeBuffer(chunk.buffer, (start - chunk.firstRow) * paddedCols * 2, source.buffer, source.byteOffset, source.byteLength);
  }
}

function padRows(halves: Uint16Array, numRows: number, cols: number, paddedCols: number): Uint16Array {
  const padded = new Uint16Array(numRows * paddedCols);
  for (let row = 0; row < numRows; row++) padded.set(halves.subarray(row * cols, (row + 1) * cols), row * paddedCols);
  return padded;
}

/** A 1-D f16 tensor (norm weight, bias), or several concatenated, padded to whole u32 words. */
export function createPackedVector(device: GPUDevice, parts: readonly Uint16Array[], label: string): GPUBuffer {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const halves = new Uint16Array(Math.max(8, Math.ceil(length / 8) * 8));
  let offset = 0;
  for (const part of parts) {
    halves.set(part, offset);
    offset += part.length;
  }
  const buffer = device.createBuffer({ label, size: halves.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, halves);
  return buffer;
}
