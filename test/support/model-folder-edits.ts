/**
 * Damaging copies of the fixture model folders (test/fixtures/): JSON files edited or replaced,
 * safetensors rewritten whole (tensors added, removed or changed, offsets recomputed so only the
 * intended damage is there) or their header edited in place (offsets left as they are, to lie),
 * and single values planted in a tensor in its own dtype (NaN, ±Inf, a large number).
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type FixtureName = 'qwen2-bf16' | 'qwen3-f32' | 'llama-f16-sharded' | 'qwen2-awq' | 'qwen2-gptq-act-order' | 'qwen3-gptq-sym';
export type Json = Record<string, unknown>;
export type HeaderEntry = { dtype: string; shape: number[]; data_offsets: [number, number] };
export type Header = Record<string, HeaderEntry>;
/** A tensor as rewriteTensors hands it over: its dtype, shape and raw bytes. */
export interface RawTensor {
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

export const fixturePath = (name: FixtureName): string => fileURLToPath(new URL(`../fixtures/${name}/`, import.meta.url));

/** A fresh copy of a fixture in `folder`. */
export async function copyFixture(name: FixtureName, folder: string): Promise<string> {
  await cp(fixturePath(name), folder, { recursive: true });
  return folder;
}

export async function editJson(folder: string, file: string, edit: (json: Json) => void): Promise<void> {
  const json = JSON.parse(await readFile(join(folder, file), 'utf8')) as Json;
  edit(json);
  await writeFile(join(folder, file), JSON.stringify(json, null, 2));
}

export async function readSafetensors(path: string): Promise<{ header: Header; data: Uint8Array }> {
  const bytes = new Uint8Array(await readFile(path));
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Header;
  return { header, data: bytes.subarray(8 + length) };
}

/** Writes a header (padded to 8 bytes as the reference writer does) and the data section. */
export async function writeSafetensors(path: string, header: unknown, data: Uint8Array): Promise<void> {
  let json = JSON.stringify(header);
  while (json.length % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.byteLength);
  await writeFile(path, out);
}

/** Edits the header in place: the data section and every other entry stay as they are. */
export async function editHeader(folder: string, file: string, edit: (header: Header) => void): Promise<void> {
  const { header, data } = await readSafetensors(join(folder, file));
  edit(header);
  await writeSafetensors(join(folder, file), header, data);
}

/** Rewrites a file from its tensors after `edit` (which may add, remove or change them), offsets recomputed. */
export async function rewriteTensors(folder: string, file: string, edit: (tensors: Map<string, RawTensor>) => void): Promise<void> {
  const { header, data } = await readSafetensors(join(folder, file));
  const tensors = new Map<string, RawTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data: data.slice(entry.data_offsets[0], entry.data_offsets[1]) });
  }
  edit(tensors);
  const out: Record<string, unknown> = { __metadata__: header['__metadata__'] ?? { format: 'pt' } };
  let offset = 0;
  for (const [name, tensor] of tensors) {
    out[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.byteLength] };
    offset += tensor.data.byteLength;
  }
  const joined = new Uint8Array(offset);
  offset = 0;
  for (const tensor of tensors.values()) {
    joined.set(tensor.data, offset);
    offset += tensor.data.byteLength;
  }
  await writeSafetensors(join(folder, file), out, joined);
}

/** A value to plant: NaN, ±Inf, or a finite number (too large for f16, say). */
export type Planted = number;

/** Element `index` of a float tensor set to `value` in the tensor's own dtype (BF16 / F16 / F32 bits). */
export function plant(tensor: RawTensor, index: number, value: Planted): void {
  const view = new DataView(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  const f32Bits = new Uint32Array(Float32Array.of(value).buffer)[0]!;
  if (tensor.dtype === 'F32') view.setUint32(index * 4, f32Bits, true);
  else if (tensor.dtype === 'BF16') view.setUint16(index * 2, f32Bits >>> 16, true);
  else if (tensor.dtype === 'F16') view.setUint16(index * 2, Number.isNaN(value) ? 0x7e00 : value > 0 ? 0x7c00 : 0xfc00, true);
  else throw new Error(`plant: ${tensor.dtype} is not a float dtype`);
}

/** `count` elements of `dtype` (zeros unless filled). */
export function newTensor(dtype: string, shape: number[]): RawTensor {
  const bytes = dtype === 'F32' || dtype === 'I32' ? 4 : 2;
  return { dtype, shape, data: new Uint8Array(shape.reduce((product, size) => product * size, 1) * bytes) };
}
