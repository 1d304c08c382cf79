/**
 * The check that weights are finite, run on each piece as it streams in, before it reaches the
 * GPU: a NaN or ±Inf is 'non_finite_weight' naming the tensor, its file and the element; so is an
 * F32 or BF16 value of magnitude ≥ 65520, which the f16 the runtime keeps weights in would turn
 * into ±Inf. Without it such a model loads and its requests produce NaN logits.
 *
 * Only bit patterns are tested, two values per u32 word for F16 and BF16: a masked add carries
 * into a bit the mask cleared exactly when a value is bad (F16: exponent all ones; BF16 and F32:
 * magnitude bits ≥ those of 65520), and the carries are OR-ed over the piece. The loop has no
 * branch and stays in int32 for good weights; the element is searched for only once one is bad.
 * I32 tensors (a 4-bit Linear's qweight, qzeros, g_idx) hold integers and are not scanned; their
 * F16 scales are.
 */
import { LlmError } from '../errors.ts';
import type { TensorPiece } from './checkpoint-stream.ts';
import { halfValue } from './safetensors.ts';
import type { TensorDtype } from './safetensors-header.ts';

type FloatDtype = Exclude<TensorDtype, 'I32'>;

/** Per u32 word: (word & mask) + add sets a `carry` bit for each bad value in the word. */
const scanRules: Readonly<Record<FloatDtype, { mask: number; add: number; carry: number }>> = {
  // 0x7c00 + 0x0400 = 0x8000: only an all-ones exponent reaches bit 15 (per half).
  F16: { mask: 0x7c007c00, add: 0x04000400, carry: 0x80008000 },
  // 0x4780 (bits of 65536 in BF16; 65280 below it is the largest that fits f16) + 0x3880 = 0x8000.
  BF16: { mask: 0x7fff7fff, add: 0x38803880, carry: 0x80008000 },
  // 0x477ff000 (bits of 65520, which f16 rounds to Inf) + 0x38801000 = 0x80000000.
  F32: { mask: 0x7fffffff, add: 0x38801000, carry: 0x80000000 },
};

/** Throws 'non_finite_weight' if any value of a float piece is NaN, ±Inf or beyond f16's range. */
export function checkFiniteWeights(piece: TensorPiece): void {
  if (piece.dtype === 'I32') return;
  const { mask, add, carry } = scanRules[piece.dtype];
  // An Int32Array view needs 4-byte alignment; a piece spanning transport chunks may lack it.
  const bytes = piece.data.byteOffset % 4 === 0 ? piece.data : piece.data.slice();
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let carries = scanWords(words, mask, add);
  // A piece of an odd number of 16-bit values: the last one alone, in the low half's rule.
  if (bytes.byteLength % 4 === 2) {
    const last = bytes[bytes.byteLength - 2]! | (bytes[bytes.byteLength - 1]! << 8);
    carries |= (last & mask & 0xffff) + (add & 0xffff);
  }
  if ((carries & carry) !== 0) throw nonFiniteError(piece, bytes);
}

/** OR of (word & mask) + add over the words; four independent chains (~25% faster than one in V8). */
function scanWords(words: Int32Array, mask: number, add: number): number {
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  const unrolled = words.length & ~3;
  let i = 0;
  for (; i < unrolled; i += 4) {
    c0 |= (words[i]! & mask) + add;
    c1 |= (words[i + 1]! & mask) + add;
    c2 |= (words[i + 2]! & mask) + add;
    c3 |= (words[i + 3]! & mask) + add;
  }
  for (; i < words.length; i++) c0 |= (words[i]! & mask) + add;
  return c0 | c1 | c2 | c3;
}

/** The first bad value's position and value, for the message (runs only when there is one). */
function nonFiniteError(piece: TensorPiece, bytes: Uint8Array): LlmError {
  const values = floatValues(piece.dtype as FloatDtype, bytes);
  const index = values.findIndex((value) => !(Math.abs(value) < 65520));
  const value = values[index]!;
  const columns = piece.shape.slice(1).reduce((product, size) => product * size, 1);
  const position = piece.shape.length <= 1 ? `${piece.firstRow + index}` : `row ${piece.firstRow + Math.floor(index / columns)}, column ${index % columns}`;
  const why = Number.isFinite(value) ? `${value}, beyond the ±65504 of the f16 the runtime keeps weights in` : String(value);
  return new LlmError('non_finite_weight', `${piece.file}: tensor "${piece.name}" (${piece.dtype}) holds ${why} at ${position}; weights must be finite`, piece.name);
}

function floatValues(dtype: FloatDtype, bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = dtype === 'F32' ? 4 : 2;
  return Array.from({ length: bytes.byteLength / size }, (_, i) => {
    if (dtype === 'F32') return view.getFloat32(i * 4, true);
    const bits = view.getUint16(i * 2, true);
    return dtype === 'F16' ? halfValue(bits) : new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;
  });
}
