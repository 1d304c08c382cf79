/**
 * Wrapper for embedding.wgsl: gathers f16 embedding rows into f32 activations, per table chunk.
 * A 4-bit table (Q4Matrix) goes to embedding-q4.ts.
 */
import embeddingCode from '../../../shaders/embedding.wgsl?raw';
import { bindGroup, ceilDiv, getPipeline, type KernelCall, type RowSource } from '../kernel.ts';
import type { PackedMatrix } from '../packed-weights.ts';
import { isQ4Matrix, type Q4Matrix } from '../q4-weights.ts';
import { bindEmbeddingQ4 } from './embedding-q4.ts';

export function bindEmbedding(
  device: GPUDevice,
  rows: RowSource,
  table: PackedMatrix | Q4Matrix,
  ids: GPUBuffer,
  out: GPUBuffer,
  label = 'embedding',
): KernelCall {
  if (isQ4Matrix(table)) return bindEmbeddingQ4(device, rows, table, ids, out, label);
  const hidden = table.cols;
  const parts = table.chunks.map((chunk, index) => {
    const pipeline = getPipeline(device, 'embedding', embeddingCode, {
      HIDDEN: hidden,
      ROW_STRIDE: table.rowVec4 * 4,
      CHUNK_START: chunk.firstRow,
      CHUNK_ROWS: chunk.rows,
    });
    return bindGroup(device, `${label}[${index}]`, pipeline, [rows.uniforms.binding(rows.count), chunk.buffer, ids, out]);
  });
  return {
    label,
    encode(pass, counts) {
      const tokens = counts[rows.count];
      if (tokens === 0) return;
      for (const part of parts) {
        part.set(pass);
        pass.dispatchWorkgroups(ceilDiv(ceilDiv(hidden, 2), 64), tokens);
      }
    },
  };
}
