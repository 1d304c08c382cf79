/**
 * Loads @mlc-ai/web-xgrammar (XGrammar's wasm build, the grammar engine of vLLM and WebLLM) once
 * per process or worker, and makes it synchronous and safe to call:
 *
 * - Loading. The package's index.js is a UMD bundle with the wasm inlined, although its
 *   package.json says "type": "module". Bundlers (Vite in the browser worker) wrap it as CommonJS
 *   or let it assign `globalThis.xgrammar`; Node's ESM loader cannot run it (it calls `require`),
 *   so in Node its source is evaluated with CommonJS arguments.
 * - Synchronous calls. The package's wrappers are async only to await the lazy wasm start; after
 *   it, the embind handles they wrap are called directly, so the engine can compile a grammar in
 *   addRequest and fill masks inside a step.
 * - Aborts. XGrammar rejects a schema with LOG(FATAL): a message on stderr, then abort(), which
 *   throws out of wasm without unwinding the stack pointer (2.7 KB lost per rejection; after about
 *   ten the stack overwrites static data). The wasm is patched when instantiated to export its
 *   stack pointer (wasm-stack-pointer.ts); `call()` restores it after an abort and throws the
 *   FATAL message as an XGrammarError.
 * All of this leans on the package's internals (embind handles, the wasm's first global), so its
 * version is pinned exactly in package.json; start() checks what it relies on and fails loudly.
 */
import type * as XGrammar from '@mlc-ai/web-xgrammar';
import { exportStackPointer } from './wasm-stack-pointer.ts';

export type XGrammarApi = typeof XGrammar;

/** The embind objects behind the package's classes (what its wrappers keep in `.handle`). */
export interface EmbindObject {
  delete(): void;
}
export interface VectorIntHandle extends EmbindObject {
  size(): number;
  get(index: number): number;
}
export interface GrammarHandle extends EmbindObject {
  ToString(): string;
}
export interface SeparatorPair {
  readonly first: string;
  readonly second: string;
}
export interface GrammarStatics {
  FromJSONSchema(schema: string, anyWhitespace: boolean, indent: number | undefined, separators: SeparatorPair | undefined,
    strictMode: boolean, maxWhitespace: number | undefined, printConverted: boolean): GrammarHandle;
}
export type CompiledGrammarHandle = EmbindObject;
export interface CompilerHandle extends EmbindObject {
  CompileJSONSchema(schema: string, anyWhitespace: boolean, indent: number | undefined, separators: SeparatorPair | undefined,
    strictMode: boolean, maxWhitespace: number | undefined): CompiledGrammarHandle;
  CompileStructuralTag(json: string): CompiledGrammarHandle;
}
export interface MatcherHandle extends EmbindObject {
  AcceptToken(id: number, verbose: boolean): boolean;
  AcceptString(text: string, verbose: boolean): boolean;
  GetNextTokenBitmask(vocabSize: number): VectorIntHandle;
  IsTerminated(): boolean;
}
export type MatcherConstructor = new (compiled: CompiledGrammarHandle, overrideStopTokens: undefined,
  terminateWithoutStopToken: boolean, maxRollbackTokens: number) => MatcherHandle;

/** XGrammar refused its input (a FATAL check); the message is XGrammar's, without file and line. */
export class XGrammarError extends Error {
  override readonly name = 'XGrammarError';
}

/** A call came within the guard of the wasm's stack end: its memory may be corrupt, the runtime must go. */
export class XGrammarStackOverflow extends Error {
  override readonly name = 'XGrammarStackOverflow';
}

/**
 * The wasm has no stack-overflow check: Emscripten's 64 KiB stack grows down from the stack
 * pointer's initial value straight into static data, and XGrammar's schema converter recurses
 * about 1.2 KB per level of nesting (about 1.6 KB per link of a $ref chain), so a schema ~53
 * levels deep silently corrupts the runtime. The lowest 8 KiB of the stack are read (never
 * written) before a call and compared after it: any change means the call got that deep, and
 * the runtime is treated as corrupt. Only reads, so a wrong guess of the layout costs nothing.
 */
class StackGuard {
  private static readonly stackSize = 64 * 1024;
  private static readonly guardSize = 8 * 1024;
  private readonly start: number;
  private snapshot = new Uint8Array(StackGuard.guardSize);

  constructor(private readonly memory: WebAssembly.Memory, stackTop: number) {
    this.start = Math.max(0, stackTop - StackGuard.stackSize);
  }

  arm(): void {
    this.snapshot.set(new Uint8Array(this.memory.buffer, this.start, StackGuard.guardSize));
  }

  tripped(): boolean {
    const now = new Uint8Array(this.memory.buffer, this.start, StackGuard.guardSize);
    for (let i = 0; i < now.length; i++) if (now[i] !== this.snapshot[i]) return true;
    return false;
  }
}

export interface XGrammarRuntime {
  readonly api: XGrammarApi;
  readonly grammar: GrammarStatics;
  readonly Matcher: MatcherConstructor;
  /** Runs `fn`, which calls into the wasm; an XGrammar abort becomes an XGrammarError, state intact. */
  call<T>(fn: () => T): T;
  /** Copies a bitmask vector into `target` (its first target.length words) and deletes it. */
  takeMask(vector: VectorIntHandle, target: Uint32Array): void;
}

const stackPointerExport = 'xgrammar_stack_pointer';
let runtime: Promise<XGrammarRuntime> | undefined;

/** The shared runtime, started on first use. */
export function loadXGrammar(): Promise<XGrammarRuntime> {
  runtime ??= start().catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

interface Captured {
  stackPointer: WebAssembly.Global | undefined;
  memory: WebAssembly.Memory | undefined;
}

/** stderr lines of the wasm while `capturing` (a call runs); otherwise they go to the console. */
const captured: string[] = [];
let capturing = false;

/**
 * Forgets the runtime after a failure that may have corrupted its memory: the next loadXGrammar
 * starts a new wasm instance (in Node the bundle is evaluated again; a page's grammar runs in
 * its own worker, which is replaced instead).
 */
export function discardXGrammar(): void {
  runtime = undefined;
  generation++;
}

let generation = 0;

/** Changes when the runtime is discarded: whatever was made with an older one must not be used. */
export function xgrammarGeneration(): number {
  return generation;
}

async function start(): Promise<XGrammarRuntime> {
  const api = await importApi();
  const instance: Captured = { stackPointer: undefined, memory: undefined };
  // The glue binds console.error and instantiates the wasm when first used: both are redirected
  // for exactly that first call.
  const consoleError = console.error;
  const instantiate = WebAssembly.instantiate;
  console.error = (...args: unknown[]) => (capturing ? void captured.push(args.join(' ')) : consoleError.apply(console, args));
  WebAssembly.instantiate = patchedInstantiate(instantiate, instance) as typeof WebAssembly.instantiate;
  let probe: XGrammar.Grammar;
  try {
    probe = await api.Grammar.builtinJSONGrammar();
  } finally {
    WebAssembly.instantiate = instantiate;
    console.error = consoleError;
  }
  const { stackPointer, memory } = instance;
  if (stackPointer === undefined) throw new Error('@mlc-ai/web-xgrammar was started before its stack pointer could be exported (was it used elsewhere first?)');
  const grammar = (probe.handle as { constructor: GrammarStatics }).constructor;
  probe.dispose();
  const compiled = await builtinCompiled(api);
  const matcher = await api.GrammarMatcher.createGrammarMatcher(compiled);
  compiled.dispose();
  const Matcher = ((matcher as unknown as { handle: MatcherHandle }).handle).constructor as MatcherConstructor;

  const guard = memory === undefined ? undefined : new StackGuard(memory, stackPointer.value as number);
  const call = <T>(fn: () => T): T => {
    const saved = stackPointer.value as number;
    captured.length = 0;
    capturing = true;
    guard?.arm();
    let failure: unknown;
    try {
      return fn();
    } catch (error) {
      stackPointer.value = saved;
      failure = error instanceof WebAssembly.RuntimeError && /Aborted/.test(error.message) ? new XGrammarError(fatalMessage(captured)) : error;
      throw failure;
    } finally {
      capturing = false;
      // Checked last: a deep recursion may have overwritten the data behind a normal-looking answer.
      if (guard?.tripped() === true) throw new XGrammarStackOverflow('the grammar compiler ran out of stack (the schema is nested too deeply)', { cause: failure });
    }
  };
  const fastRead = memory !== undefined && vectorLayoutWorks(call, matcher, memory);
  matcher.dispose();
  let heap = new Uint32Array(memory?.buffer ?? new ArrayBuffer(0));
  const takeMask = (vector: VectorIntHandle, target: Uint32Array): void => {
    try {
      const words = Math.min(target.length, vector.size());
      if (fastRead) {
        // The heap's buffer is replaced when the wasm memory grows.
        if (heap.buffer !== memory!.buffer) heap = new Uint32Array(memory!.buffer);
        const begin = heap[embindPointer(vector) >>> 2]! >>> 2;
        for (let i = 0; i < words; i++) target[i] = heap[begin + i]!;
      } else {
        for (let i = 0; i < words; i++) target[i] = vector.get(i);
      }
    } finally {
      vector.delete();
    }
  };
  return { api, grammar, Matcher, call, takeMask };
}

function patchedInstantiate(instantiate: typeof WebAssembly.instantiate, instance: Captured) {
  return async (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
    if (source instanceof WebAssembly.Module) return instantiate(source, imports);
    const bytes = ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
    const result = await instantiate(exportStackPointer(bytes, stackPointerExport), imports);
    const exported = result.instance.exports;
    instance.stackPointer = exported[stackPointerExport] as WebAssembly.Global;
    instance.memory = Object.values(exported).find((value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory);
    return result;
  };
}

async function builtinCompiled(api: XGrammarApi): Promise<XGrammar.CompiledGrammar> {
  const info = await api.TokenizerInfo.createTokenizerInfo(['{', '}'], 'raw', false, 64, [1]);
  const compiler = await api.GrammarCompiler.createGrammarCompiler(info, false);
  const compiled = await compiler.compileBuiltinJSONGrammar();
  compiler.dispose();
  info.dispose();
  return compiled;
}

/** embind keeps the C++ object's address in `$$.ptr`. */
function embindPointer(handle: object): number {
  return (handle as { $$: { ptr: number } }).$$.ptr;
}

/**
 * Reading the mask straight from wasm memory (libc++ vector = begin, end, capacity pointers)
 * saves an embind call per word (7 ms per mask at 152k tokens); used only if it reads exactly
 * what `get(i)` does.
 */
function vectorLayoutWorks(call: XGrammarRuntime['call'], matcher: XGrammar.GrammarMatcher, memory: WebAssembly.Memory): boolean {
  const handle = (matcher as unknown as { handle: MatcherHandle }).handle;
  const vector = call(() => handle.GetNextTokenBitmask(64));
  try {
    const [begin, end] = new Uint32Array(memory.buffer, embindPointer(vector), 2) as unknown as [number, number];
    const size = vector.size();
    if (end - begin !== size * 4) return false;
    const direct = new Uint32Array(memory.buffer, begin, size);
    return direct.every((word, i) => word === vector.get(i) >>> 0);
  } catch {
    return false;
  } finally {
    vector.delete();
  }
}

/** "[FATAL] …/json_schema_converter.cc:902: Check failed: (…) is false: Unsupported type" → the last part. */
function fatalMessage(lines: readonly string[]): string {
  const text = lines.filter((line) => !/^Aborted\(/.test(line)).join('\n').trim();
  const message = text.replace(/^\[FATAL\]\s*\S+:\d+:\s*/, '').replace(/^Check failed: .*? is false:\s*/, '');
  // The message may quote the schema; it never carries control bytes or more than a line's worth.
  const printable = message.replace(/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/g, '').slice(0, 500);
  return printable || 'XGrammar aborted without a message';
}

async function importApi(): Promise<XGrammarApi> {
  if (typeof process === 'object' && typeof process.versions?.node === 'string') return importInNode();
  const module = (await import('@mlc-ai/web-xgrammar')) as unknown as Record<string, unknown>;
  const api = [module, module['default'], (globalThis as Record<string, unknown>)['xgrammar']].find(isApi);
  if (api === undefined) throw new Error('@mlc-ai/web-xgrammar loaded without its exports');
  return api;
}

function isApi(value: unknown): value is XGrammarApi {
  return typeof value === 'object' && value !== null && typeof (value as Partial<XGrammarApi>).GrammarCompiler === 'function';
}

/** Hidden from bundlers: browser builds never reference Node's modules. */
async function importNode<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

async function importInNode(): Promise<XGrammarApi> {
  const { createRequire } = await importNode<typeof import('node:module')>('node:module');
  const { readFile } = await importNode<typeof import('node:fs/promises')>('node:fs/promises');
  const require = createRequire(import.meta.url);
  const file = require.resolve('@mlc-ai/web-xgrammar');
  const source = await readFile(file, 'utf8');
  const exports: Record<string, unknown> = {};
  // The UMD's CommonJS branch: it sees `exports` and `module`, and `require` for its own URL.
  // `process` is hidden so the Emscripten glue takes its plain-JS path (the wasm is inlined):
  // its Node path runs `import('module')`, which code made by `new Function` cannot do under
  // vitest's module runner.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('exports', 'module', 'require', '__filename', 'process', source)(exports, { exports }, require, file, undefined);
  if (!isApi(exports)) throw new Error(`${file} did not define the XGrammar API`);
  return exports;
}
