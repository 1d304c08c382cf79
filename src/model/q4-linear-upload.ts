/**
 * A 4-bit checkpoint's Linears onto the GPU as they stream in. Each Linear is several tensors
 * (qweight, qzeros, scales and, for GPTQ, g_idx; tensor-names.ts) that must all be at hand to
 * repack it (q4-repack.ts), so their pieces are staged on the CPU — one Linear's tensors at a time,
 * as a shard lists a Linear's tensors next to each other — then repacked, packed and written at
 * the Linear's rows of its (possibly fused) Q4Matrix, and the staging freed.
 */
import { LlmError } from '../errors.ts';
import { writeQ4GroupIndex, writeQ4Rows, type Q4Matrix } from '../gpu/q4-weights.ts';
import type { TensorPiece } from './checkpoint-stream.ts';
import { packQuantizedMatrix, repackAwq, repackGptq, type QuantizedMatrix } from './q4-repack.ts';
import type { Quantization } from './quantization-config.ts';
import { DTYPE_BYTES } from './safetensors-header.ts';
import { quantizedLinearTensors } from './tensor-names.ts';

/** Where one checkpoint Linear (`prefix`, [rows, cols]) lives: rows [firstRow, firstRow + rows) of `matrix`. */
export interface QuantizedLinear {
  readonly prefix: string;
  readonly matrix: Q4Matrix;
  readonly firstRow: number;
  readonly rows: number;
}

interface Staged {
  /** Each tensor's whole bytes, filled piece by piece. */
  readonly bytes: Map<string, Uint8Array>;
  readonly received: Map<string, number>;
}

export class QuantizedLinearUpload {
  private readonly staged = new Map<string, Staged>();

  constructor(
    private readonly device: GPUDevice,
    private readonly quantization: Quantization,
  ) {}

  /** The checkpoint tensors of `linear`, with their shapes. */
  tensors(linear: QuantizedLinear): Map<string, number[]> {
    return quantizedLinearTensors(this.quantization, linear.prefix, linear.rows, linear.matrix.cols);
  }

  /** Stages one piece; when the Linear is complete, writes it and returns the bytes written to the GPU (else 0). */
  write(linear: QuantizedLinear, piece: TensorPiece): number {
    const shapes = this.tensors(linear);
    const shape = shapes.get(piece.name)!;
    const rowBytes = shape.slice(1).reduce((product, size) => product * size, 1) * DTYPE_BYTES[piece.dtype];
    let staged = this.staged.get(linear.prefix);
    if (staged === undefined) {
      staged = { bytes: new Map(), received: new Map() };
      this.staged.set(linear.prefix, staged);
    }
    let bytes = staged.bytes.get(piece.name);
    if (bytes === undefined) {
      bytes = new Uint8Array(shape[0]! * rowBytes);
      staged.bytes.set(piece.name, bytes);
    }
    bytes.set(piece.data, piece.firstRow * rowBytes);
    staged.received.set(piece.name, (staged.received.get(piece.name) ?? 0) + piece.data.byteLength);
    for (const name of shapes.keys()) {
      const whole = staged.bytes.get(name);
      if (whole === undefined || staged.received.get(name) !== whole.byteLength) return 0;
    }
    this.staged.delete(linear.prefix);
    return this.upload(linear, shapes, staged.bytes);
  }

  /** Throws if a Linear got some of its tensors but not all. */
  finish(): void {
    for (const [prefix, staged] of this.staged) {
      throw new LlmError('missing_tensor', `weights: ${prefix} got only ${[...staged.bytes.keys()].join(', ')}`, prefix);
    }
  }

  private upload(linear: QuantizedLinear, shapes: Map<string, number[]>, bytes: Map<string, Uint8Array>): number {
    const { prefix, matrix, firstRow, rows } = linear;
    const tensor = <T>(part: string, view: new (buffer: ArrayBuffer) => T) => {
      const name = `${prefix}.${part}`;
      return { shape: shapes.get(name)!, data: new view(bytes.get(name)!.buffer as ArrayBuffer) };
    };
    const parts = { qweight: tensor('qweight', Int32Array), qzeros: tensor('qzeros', Int32Array), scales: tensor('scales', Uint16Array) };
    const repacked: QuantizedMatrix = this.quantization.method === 'awq'
      ? repackAwq(prefix, rows, matrix.cols, this.quantization.groupSize, parts)
      : repackGptq(prefix, rows, matrix.cols, this.quantization.groupSize, { ...parts, gIdx: tensor('g_idx', Int32Array) });
    const packed = packQuantizedMatrix(repacked);
    writeQ4Rows(this.device, matrix, firstRow, packed);
    let written = (packed.qweight.length + packed.scales.length + packed.zeros.length) * 4;
    const actOrder = matrix.chunks.some((chunk) => chunk.groupIndex !== undefined);
    if (actOrder) {
      const groupIndex = repacked.groupIndex ?? Uint32Array.from({ length: matrix.cols }, (_, k) => Math.floor(k / matrix.groupSize));
      writeQ4GroupIndex(this.device, matrix, groupIndex, firstRow);
      written += groupIndex.byteLength;
    } else if (repacked.groupIndex !== undefined) {
      // Only desc_act checkpoints get a groupIndex buffer; a g_idx that is not k / G without it would be dropped.
      const name = `${prefix}.g_idx`;
      throw new LlmError('invalid_safetensors', `${name} groups input channels out of order, but quantization_config.desc_act is false`, name);
    }
    return written;
  }
}
