/**
 * The epilogue uniforms of the CPU-adapter block kernels (matmul_blocks.wgsl and
 * matmul_q4_blocks.wgsl): what a weight chunk's output needs, as a uniform so that projections of
 * one shape share a pipeline.
 */
export interface BlockEpilogues {
  readonly buffer: GPUBuffer;
  /** Writes chunk `index`'s epilogue uniform into its slot and returns the slot's binding. */
  slot(index: number, shape: { CHUNK_N: number; N_OFFSET: number; OUT_STRIDE: number; HAS_BIAS: boolean; ACCUMULATE: boolean }): GPUBufferBinding;
}

/** The Epilogue uniforms, one 256-byte slot per weight chunk, in one buffer. */
export function blockEpilogues(device: GPUDevice, label: string, chunks: number): BlockEpilogues {
  const slotBytes = 256;
  const buffer = device.createBuffer({ label: `${label}.epilogue`, size: chunks * slotBytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  return {
    buffer,
    slot(index, shape) {
      const words = Uint32Array.of(shape.CHUNK_N, shape.N_OFFSET, shape.OUT_STRIDE, Number(shape.HAS_BIAS), Number(shape.ACCUMULATE), 0, 0, 0);
      device.queue.writeBuffer(buffer, index * slotBytes, words);
      return { buffer, offset: index * slotBytes, size: words.byteLength };
    },
  };
}
