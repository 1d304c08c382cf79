/** Wrapper for gather_rows.wgsl: picks the rows that sample. */
import gatherRowsCode from '../../../shaders/gather_rows.wgsl?raw';
import { bindGroup, ceilDiv, getPipeline, kernelCall, type KernelCall, type RowSource, type PipelineHandle } from '../kernel.ts';

export class GatherRowsKernel {
  private readonly pipeline: PipelineHandle;
  constructor(private readonly device: GPUDevice, private readonly dim: number) {
    this.pipeline = getPipeline(device, 'gatherRows', gatherRowsCode, { DIM: dim });
  }
  /** out[r, :] = x[indices[r], :] */
  bind(rows: RowSource, x: GPUBuffer, indices: GPUBuffer, out: GPUBuffer, label = 'gatherRows'): KernelCall {
    const binding = bindGroup(this.device, label, this.pipeline, [rows.uniforms.binding(rows.count), x, indices, out]);
    return kernelCall(label, binding, (counts) => [ceilDiv(this.dim, 256), counts[rows.count], 1]);
  }
}
