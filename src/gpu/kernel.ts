/**
 * What every kernel wrapper shares: pipelines built once and cached by (shader, constants)
 * (pipelines.ts: compiled at once, or, in a model load, while the weights stream), a per-step
 * row-count uniform, and `KernelCall`, a bound dispatch that only binds and dispatches —
 * so a forward pass is a plain list of calls, encoded into one compute pass per step.
 */
import { KernelBinding, type PipelineHandle } from './pipelines.ts';

export interface RowCounts {
  /** Token rows in the step (prompt chunks and decode tokens together). */
  readonly tokens: number;
  /** Rows that produce a next token (for now each sequence's last scheduled token). */
  readonly sampleRows: number;
}
export type RowCountName = keyof RowCounts;

export interface KernelCall {
  readonly label: string;
  encode(pass: GPUComputePassEncoder, counts: RowCounts): void;
  /** Frees GPU objects the call made for itself (most calls only bind others' buffers). */
  destroy?(): void;
}

export { deferPipelines, getPipeline, KernelBinding, PipelineHandle, type CompileMode, type Constants, type PipelineScope } from './pipelines.ts';

/**
 * The per-step row counts, one 256-byte-aligned slot each, written once per step; each kernel
 * binds the slot it iterates over as its `rows` uniform.
 */
export class StepUniforms {
  static readonly slotBytes = 256;
  readonly buffer: GPUBuffer;
  private readonly names: readonly RowCountName[] = ['tokens', 'sampleRows'];
  private readonly staging = new Uint32Array((this.names.length * StepUniforms.slotBytes) / 4);

  constructor(private readonly device: GPUDevice) {
    this.buffer = device.createBuffer({
      label: 'stepUniforms',
      size: this.staging.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  binding(name: RowCountName): GPUBufferBinding {
    return { buffer: this.buffer, offset: this.names.indexOf(name) * StepUniforms.slotBytes, size: 16 };
  }

  write(counts: RowCounts): void {
    this.names.forEach((name, slot) => (this.staging[(slot * StepUniforms.slotBytes) / 4] = counts[name]));
    this.device.queue.writeBuffer(this.buffer, 0, this.staging);
  }
}

/** Where a kernel reads its row count: a step-uniform slot. */
export interface RowSource {
  readonly uniforms: StepUniforms;
  readonly count: RowCountName;
}

/** Binds `resources` as group 0 of `pipeline`, in order (the bind group is made once it compiled). */
export function bindGroup(
  device: GPUDevice,
  label: string,
  pipeline: PipelineHandle,
  resources: readonly (GPUBuffer | GPUBufferBinding)[],
): KernelBinding {
  return new KernelBinding(device, label, pipeline, resources);
}

export type Grid = readonly [number, number, number];

/**
 * A bound dispatch whose grid depends on the step's row counts; 0 rows → nothing dispatched.
 * The grid is recomputed only when the counts change, so steady decoding allocates nothing.
 */
export function kernelCall(label: string, binding: KernelBinding, grid: (counts: RowCounts) => Grid): KernelCall {
  let tokens = -1;
  let sampleRows = -1;
  let size: Grid = [0, 0, 0];
  return {
    label,
    encode(pass, counts) {
      if (counts.tokens !== tokens || counts.sampleRows !== sampleRows) {
        ({ tokens, sampleRows } = counts);
        size = grid(counts);
      }
      if (size[0] === 0 || size[1] === 0 || size[2] === 0) return;
      binding.set(pass);
      pass.dispatchWorkgroups(size[0], size[1], size[2]);
    },
  };
}

/** Lays `count` workgroups out as (x, y) so neither exceeds the per-dimension limit. */
export function flatGrid(count: number, maxPerDimension: number): Grid {
  if (count <= maxPerDimension) return [count, 1, 1];
  const y = Math.ceil(count / maxPerDimension);
  return [Math.ceil(count / y), y, 1];
}

export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

export function nextPowerOfTwo(value: number): number {
  let result = 1;
  while (result < value) result *= 2;
  return result;
}
