/**
 * Wrapper for sample_rows.wgsl: the next token of every sampled row under its own sampling
 * parameters (vLLM v1 semantics) and, for constrained rows, its token mask, with raw logprobs.
 * `SamplerInputs` packs the rows' parameters, penalty entries and masks into three buffers
 * (masks only for the rows that have one); the result is one contiguous u32 range per row, so
 * the host reads back a single range per step.
 *
 * `out`, `SamplerKernel.outWords` (42) words per row:
 *   [0] sampled id · [1] its raw logprob (f32 bits) · [2, 22) top ids (0xffffffff past the vocab)
 *   · [22, 42) their raw logprobs (f32 bits), best first, ties to the lower id.
 */
import sampleCode from '../../../shaders/sample_rows.wgsl?raw';
import { bindGroup, getPipeline, kernelCall, type KernelCall, type RowSource } from '../kernel.ts';
import { maxTopLogprobs, tokenMaskWords, type PenaltyEntry, type SamplerRow } from './sampler-row.ts';

/** Temperatures below this sample greedily (vLLM's _SAMPLING_EPS). */
export const greedyTemperature = 1e-5;

const paramWords = 16; // struct Params in the shader
const entryWords = 4; // struct Entry
const outWords = 2 + 2 * maxTopLogprobs;
const noToken = 0xffffffff;

export interface SamplerCapacity {
  readonly maxRows: number;
  /** Penalty entries over all rows of one step. */
  readonly maxEntries: number;
  /** Tokens per row (logits width): a mask is tokenMaskWords(vocab) words. */
  readonly vocab: number;
}

/** The per-row parameter, penalty-entry and mask buffers, rewritten each step from one staging array. */
export class SamplerInputs {
  readonly params: GPUBuffer;
  readonly entries: GPUBuffer;
  readonly masks: GPUBuffer;
  private readonly words: Uint32Array; // (maxRows, 16) params, (maxEntries, 4) entries, (maxRows, maskWords) masks
  private readonly floats: Float32Array;
  private readonly entryOffset: number;
  private readonly maskOffset: number;
  private readonly maskWords: number;

  constructor(private readonly device: GPUDevice, readonly capacity: SamplerCapacity) {
    const { maxRows, maxEntries, vocab } = capacity;
    if (!(Number.isInteger(maxRows) && maxRows >= 1 && Number.isInteger(maxEntries) && maxEntries >= 0 && Number.isInteger(vocab) && vocab >= 1)) {
      throw new RangeError(`sampler capacity: maxRows ${maxRows}, maxEntries ${maxEntries}, vocab ${vocab}`);
    }
    this.maskWords = tokenMaskWords(vocab);
    this.entryOffset = maxRows * paramWords;
    // A binding cannot be empty, so the entry buffer always has room for one.
    this.maskOffset = this.entryOffset + Math.max(1, maxEntries) * entryWords;
    this.words = new Uint32Array(this.maskOffset + maxRows * this.maskWords);
    this.floats = new Float32Array(this.words.buffer);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    this.params = device.createBuffer({ label: 'sampler.params', size: this.entryOffset * 4, usage });
    this.entries = device.createBuffer({ label: 'sampler.entries', size: (this.maskOffset - this.entryOffset) * 4, usage });
    this.masks = device.createBuffer({ label: 'sampler.masks', size: (this.words.length - this.maskOffset) * 4, usage });
  }

  /** Packs and uploads rows[r] as sampled row r; no GPU objects, no staging allocation. */
  write(rows: readonly SamplerRow[]): void {
    const { maxRows, maxEntries } = this.capacity;
    if (rows.length > maxRows) throw new RangeError(`${rows.length} sampled rows > capacity ${maxRows}`);
    let total = 0;
    for (const row of rows) total += row.entries.length;
    if (total > maxEntries) throw new RangeError(`${total} penalty entries > capacity ${maxEntries}`);
    const { words, floats, maskWords } = this;
    let entry = 0;
    let masked = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as SamplerRow;
      if (!(row.numLogprobs >= 0 && row.numLogprobs <= maxTopLogprobs)) {
        throw new RangeError(`numLogprobs ${row.numLogprobs} outside 0..${maxTopLogprobs}`);
      }
      if (row.mask !== undefined && row.mask.length !== maskWords) throw new RangeError(`row ${r}: token mask of ${row.mask.length} words, ${maskWords} expected`);
      const o = r * paramWords; // struct Params
      floats[o] = row.temperature >= greedyTemperature ? row.temperature : 0; // 0: the shader's greedy flag
      floats[o + 1] = row.topP;
      words[o + 2] = row.topK > 0 ? Math.min(row.topK, noToken) : 0;
      floats[o + 3] = row.minP;
      floats[o + 4] = row.repetitionPenalty;
      floats[o + 5] = row.presencePenalty;
      floats[o + 6] = row.frequencyPenalty;
      words[o + 7] = row.seedLo;
      words[o + 8] = row.seedHi;
      words[o + 9] = row.counter;
      words[o + 10] = row.numLogprobs;
      words[o + 11] = entry;
      words[o + 12] = row.entries.length;
      // Masks are packed: only rows that have one take a slot (and upload bandwidth).
      words[o + 13] = row.mask === undefined ? noToken : masked;
      if (row.mask !== undefined) words.set(row.mask, this.maskOffset + masked++ * maskWords);
      for (let j = 0; j < row.entries.length; j++, entry++) {
        const { token, outputCount, seen, bias } = row.entries[j] as PenaltyEntry;
        const e = this.entryOffset + entry * entryWords; // struct Entry
        words[e] = token;
        words[e + 1] = outputCount;
        words[e + 2] = seen ? 1 : 0;
        floats[e + 3] = bias;
      }
    }
    const queue = this.device.queue;
    if (rows.length > 0) queue.writeBuffer(this.params, 0, words.buffer, 0, rows.length * paramWords * 4);
    if (total > 0) queue.writeBuffer(this.entries, 0, words.buffer, this.entryOffset * 4, total * entryWords * 4);
    if (masked > 0) queue.writeBuffer(this.masks, 0, words.buffer, this.maskOffset * 4, masked * maskWords * 4);
  }

  destroy(): void {
    this.params.destroy();
    this.entries.destroy();
    this.masks.destroy();
  }
}

export interface SamplerBuffers {
  /** (S, vocab) f32 raw LM-head output; read only. */
  readonly logits: GPUBuffer;
  readonly inputs: SamplerInputs;
  /** (S, vocab) f32 working space: processed logits, then exp(processed − max); not `logits`. */
  readonly scratch: GPUBuffer;
  /** (S, outWords) u32 results. */
  readonly out: GPUBuffer;
}

export class SamplerKernel {
  static readonly outWords = outWords;
  static scratchBytes(maxRows: number, vocab: number): number {
    return maxRows * vocab * 4;
  }
  static outBytes(maxRows: number): number {
    return maxRows * outWords * 4;
  }

  private readonly pipeline: GPUComputePipeline;
  /**
   * `lanes`: the reductions fold lanes × lanes partials, a workgroup of lanes² invocations: 16 on
   * GPUs, 8 on CPU adapters (SwiftShader compiles a 4 KiB workgroup array for ~0.5 s).
   */
  constructor(private readonly device: GPUDevice, readonly vocab: number, lanes = 16) {
    this.pipeline = getPipeline(device, 'sampleRows', sampleCode, { VOCAB: vocab, LANES: lanes });
  }

  /** out[r] = the token sampled from logits[r, :] under inputs' row r, one workgroup per row. */
  bind(rows: RowSource, io: SamplerBuffers, label = 'sample'): KernelCall[] {
    const group = bindGroup(this.device, label, this.pipeline, [
      rows.uniforms.binding(rows.count), io.logits, io.inputs.params, io.inputs.entries, io.scratch, io.out, io.inputs.masks,
    ]);
    return [kernelCall(label, this.pipeline, group, (counts) => [counts[rows.count], 1, 1])];
  }
}

export interface SamplerOutput {
  readonly tokenIds: Uint32Array;
  /** Raw logprob of each sampled token. */
  readonly logprobs: Float32Array;
  /** numLogprobs[r] best tokens of row r (fewer if the vocab is smaller), best first. */
  readonly top: { ids: number[]; logprobs: number[] }[];
}

/** Reads rows [0, numRows) of `out` (as copied back from the GPU). */
export function decodeSamplerOutput(words: Uint32Array, numRows: number, numLogprobs: readonly number[]): SamplerOutput {
  if (words.length < numRows * outWords) throw new RangeError(`${words.length} words < ${numRows} rows × ${outWords}`);
  const floats = new Float32Array(words.buffer, words.byteOffset, numRows * outWords);
  const tokenIds = new Uint32Array(numRows);
  const logprobs = new Float32Array(numRows);
  const top: { ids: number[]; logprobs: number[] }[] = [];
  for (let r = 0; r < numRows; r++) {
    const o = r * outWords;
    tokenIds[r] = words[o] as number;
    logprobs[r] = floats[o + 1] as number;
    const ids: number[] = [];
    const values: number[] = [];
    const wanted = Math.min(numLogprobs[r] ?? 0, maxTopLogprobs);
    for (let j = 0; j < wanted && words[o + 2 + j] !== noToken; j++) {
      ids.push(words[o + 2 + j] as number);
      values.push(floats[o + 2 + maxTopLogprobs + j] as number);
    }
    top.push({ ids, logprobs: values });
  }
  return { tokenIds, logprobs, top };
}
