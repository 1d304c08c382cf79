/**
 * Adds an export of an Emscripten module's stack pointer to its wasm binary, so JavaScript can
 * save and restore it around calls that may abort. An Emscripten `abort()` throws out of wasm
 * without unwinding, leaving the stack pointer where the abort happened; XGrammar aborts on every
 * schema it rejects, and after about ten of them its stack runs into its static data.
 *
 * Emscripten's `__stack_pointer` is the first global the module defines (a mutable i32); the
 * checks below refuse any binary where that does not hold rather than guess.
 */

const wasmMagic = [0x00, 0x61, 0x73, 0x6d];
const section = { import: 2, global: 6, export: 7 } as const;
const externalKind = { func: 0, table: 1, memory: 2, global: 3 } as const;
const i32 = 0x7f;
const i32Const = 0x41;

interface Section {
  readonly id: number;
  /** Offset of the section id byte. */
  readonly headerStart: number;
  /** Offsets of the section's content. */
  readonly start: number;
  readonly end: number;
}

class Reader {
  constructor(private readonly bytes: Uint8Array, public pos: number) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('wasm binary ends early');
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error('malformed LEB128 in wasm binary');
  }

  skip(length: number): void {
    this.pos += length;
  }
}

function encodeU32(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let b = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) b |= 0x80;
    out.push(b);
  } while (rest > 0);
  return out;
}

function readSections(bytes: Uint8Array): Section[] {
  if (!wasmMagic.every((b, i) => bytes[i] === b)) throw new Error('not a wasm binary');
  const sections: Section[] = [];
  const reader = new Reader(bytes, 8);
  while (reader.pos < bytes.length) {
    const headerStart = reader.pos;
    const id = reader.byte();
    const size = reader.u32();
    sections.push({ id, headerStart, start: reader.pos, end: reader.pos + size });
    reader.skip(size);
  }
  return sections;
}

function limits(reader: Reader): void {
  const flags = reader.byte();
  reader.u32();
  if (flags & 1) reader.u32();
}

/** Globals imported by the module come first in the global index space. */
function countImportedGlobals(bytes: Uint8Array, imports: Section | undefined): number {
  if (imports === undefined) return 0;
  const reader = new Reader(bytes, imports.start);
  let globals = 0;
  for (let n = reader.u32(); n > 0; n--) {
    reader.skip(reader.u32()); // module name
    reader.skip(reader.u32()); // field name
    const kind = reader.byte();
    if (kind === externalKind.func) reader.u32();
    else if (kind === externalKind.table) { reader.byte(); limits(reader); }
    else if (kind === externalKind.memory) limits(reader);
    else if (kind === externalKind.global) { reader.skip(2); globals++; }
    else throw new Error(`unknown wasm import kind ${kind}`);
  }
  return globals;
}

/** `bytes` with one more export, `name`, of the stack-pointer global. */
export function exportStackPointer(bytes: Uint8Array, name: string): Uint8Array<ArrayBuffer> {
  const sections = readSections(bytes);
  const globals = sections.find((s) => s.id === section.global);
  const exports = sections.find((s) => s.id === section.export);
  if (globals === undefined || exports === undefined) throw new Error('wasm binary has no globals or no exports');
  const index = countImportedGlobals(bytes, sections.find((s) => s.id === section.import));
  const reader = new Reader(bytes, globals.start);
  if (reader.u32() === 0) throw new Error('wasm binary defines no globals');
  const [type, mutable, init] = [reader.byte(), reader.byte(), reader.byte()];
  if (type !== i32 || mutable !== 1 || init !== i32Const) throw new Error('the first wasm global is not a mutable i32 (Emscripten stack pointer)');

  const entries = new Reader(bytes, exports.start);
  const count = entries.u32();
  const nameBytes = new TextEncoder().encode(name);
  const content = [
    ...encodeU32(count + 1),
    ...bytes.subarray(entries.pos, exports.end),
    ...encodeU32(nameBytes.length), ...nameBytes, externalKind.global, ...encodeU32(index),
  ];
  const header = [section.export, ...encodeU32(content.length)];
  const out = new Uint8Array(bytes.length - (exports.end - exports.headerStart) + header.length + content.length);
  out.set(bytes.subarray(0, exports.headerStart));
  out.set(header, exports.headerStart);
  out.set(content, exports.headerStart + header.length);
  out.set(bytes.subarray(exports.end), exports.headerStart + header.length + content.length);
  return out;
}
