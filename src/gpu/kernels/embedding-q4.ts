/** Wrapper for embedding_q4.wgsl: gathers and dequantizes 4-bit embedding rows into f32, per table chunk. */
import embeddingCode from '../../../shaders/embedding_q4.wgsl?raw';
import dequantCode from '../../../shaders/q4_dequant.wgsl?raw';
import { bindGroup, ceilDiv, getPipeline, type KernelCall, type RowSource } from '../kernel.ts';
import type { Q4Matrix } from '../q4-weights.ts';

export function bindEmbeddingQ4(device: GPUDevice, rows: RowSource, table: Q4Matrix, ids: GPUBuffer, out: GPUBuffer, label = 'embedding'): KernelCall {
  const hidden = table.cols;
  const parts = table.chunks.map((chunk, index) => {
    const pipeline = getPipeline(device, 'embeddingQ4', embeddingCode + dequantCode, {
      HIDDEN: hidden,
      GROUP_SIZE: table.groupSize,
      SCALE_WORDS: table.scaleWords,
      ZERO_WORDS: table.zeroWords,
      CHUNK_START: chunk.firstRow,
      CHUNK_ROWS: chunk.rows,
      ACT_ORDER: chunk.groupIndex !== undefined,
    });
    const bindings = [rows.uniforms.binding(rows.count), chunk.qweight, chunk.scales, chunk.zeros, ids, out, chunk.groupIndex ?? chunk.qweight];
    return bindGroup(device, `${label}[${index}]`, pipeline, bindings);
  });
  return {
    label,
    encode(pass, counts) {
      const tokens = counts[rows.count];
      if (tokens === 0) return;
      for (const part of parts) {
        part.set(pass);
        pass.dispatchWorkgroups(ceilDiv(hidden / 8, 64), tokens);
      }
    },
  };
}
