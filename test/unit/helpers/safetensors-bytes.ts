/**
 * Builds safetensors files in memory for tests: the format written out by hand (u64 LE header
 * length, JSON header padded with spaces to 8 bytes as the reference writer does, then data).
 */
export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
  /** Raw bytes; defaults to zeros of shape × dtype size. */
  data?: Uint8Array;
}

const DTYPE_BYTES: Record<string, number> = { BF16: 2, F16: 2, F32: 4, I8: 1, F64: 8 };

export function buildSafetensors(tensors: TensorSpec[], options: { headerPad?: number } = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of tensors) {
    const size = tensor.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[tensor.dtype] ?? 1);
    const data = tensor.data ?? new Uint8Array(size);
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + data.byteLength] };
    blobs.push(data);
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  const pad = options.headerPad ?? 8;
  while (json.length % pad !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  for (const blob of blobs) {
    out.set(blob, position);
    position += blob.byteLength;
  }
  return out;
}

/** Little-endian f32 bytes of values. */
export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** Little-endian bytes of 16-bit patterns. */
export function u16Bytes(bits: number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(bits).buffer);
}
