/**
 * Wrapper for the sampler's four passes (sample_chunks, sample_select, sample_race, sample_finish
 * .wgsl; semantics in sampler_common.wgsl): the next token of every sampled row under its own
 * sampling parameters (vLLM v1 semantics) and, for constrained rows, its token mask, with raw
 * logprobs. The first pass spreads each row over chunks of the vocabulary; top-k / top-p / min-p
 * and the draw run on the chunks' candidates when those provably hold every kept token.
 * `SamplerInputs` packs the rows' parameters, penalty entries and masks into three buffers
 * (masks only for the rows that have one); the result is one contiguous u32 range per row, so
 * the host reads back a single range per step.
 *
 * `out`, `SamplerKernel.outWords` (43) words per row:
 *   [0] sampled id · [1] its raw logprob (f32 bits) · [2, 22) top ids (0xffffffff past the vocab)
 *   · [22, 42) their raw logprobs (f32 bits), best first, ties to the lower id · [42] 1 when the
 *   row's raw logits hold a NaN or ±Inf (the model failed numerically: the id is a valid token id,
 *   so the GPU can still feed it, but means nothing), else 0.
 */
import chunksCode from '../../../shaders/sample_chunks.wgsl?raw';
import finishCode from '../../../shaders/sample_finish.wgsl?raw';
import raceCode from '../../../shaders/sample_race.wgsl?raw';
import selectCode from '../../../shaders/sample_select.wgsl?raw';
import commonCode from '../../../shaders/sampler_common.wgsl?raw';
import subgroupReduceCode from '../../../shaders/sampler_reduce_subgroup.wgsl?raw';
import workgroupReduceCode from '../../../shaders/sampler_reduce_workgroup.wgsl?raw';
import { bindGroup, getPipeline, kernelCall, type Constants, type KernelCall, type RowSource, type PipelineHandle } from '../kernel.ts';
import type { KernelTarget } from '../kernel-target.ts';
import { chunkSlots, samplerShape, scratchRowWords, type SamplerShape } from './sampler-layout.ts';
import { maxTopLogprobs, tokenMaskWords, type PenaltyEntry, type SamplerRow } from './sampler-row.ts';

/** Temperatures below this sample greedily (vLLM's _SAMPLING_EPS). */
export const greedyTemperature = 1e-5;

const paramWords = 16; // struct Params in the shader
const entryWords = 4; // struct Entry
const outWords = 3 + 2 * maxTopLogprobs;
const flagsWord = outWords - 1;
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
  /** SamplerKernel.scratchBytes(S, vocab): s, the chunks' statistics and candidates; not `logits`. */
  readonly scratch: GPUBuffer;
  /** (S, outWords) u32 results. */
  readonly out: GPUBuffer;
}

type Pass = 'chunks' | 'select' | 'race' | 'finish';
const passCode: Record<Pass, string> = { chunks: chunksCode, select: selectCode, race: raceCode, finish: finishCode };

export class SamplerKernel {
  static readonly outWords = outWords;
  static scratchBytes(maxRows: number, vocab: number): number {
    return maxRows * scratchRowWords(vocab) * 4;
  }
  static outBytes(maxRows: number): number {
    return maxRows * outWords * 4;
  }

  readonly shape: SamplerShape;
  private readonly pipelines: Record<Pass, PipelineHandle>;

  /**
   * `target`: the workgroup shapes and chunking (samplerShape); reductions through subgroup
   * operations where `subgroups` was granted, workgroup memory otherwise. `chunkTokens` overrides
   * the first pass's chunk size (tests use small chunks to get many at a small vocabulary).
   */
  constructor(private readonly device: GPUDevice, readonly vocab: number, target: KernelTarget, chunkTokens?: number) {
    this.shape = samplerShape(vocab, target, chunkTokens);
    const reduceCode = target.subgroups ? subgroupReduceCode : workgroupReduceCode;
    // The vocabulary's shape is a uniform (bind), so pipelines depend on the target only.
    const build = (pass: Pass, constants: Constants) => {
      const label = `sample${pass[0]!.toUpperCase()}${pass.slice(1)}${target.subgroups ? 'Subgroups' : ''}`;
      return getPipeline(device, label, reduceCode + commonCode + passCode[pass], constants);
    };
    const { scanLanes, rowLanes, keep } = this.shape;
    this.pipelines = {
      chunks: build('chunks', { LANES: scanLanes, KEEP: keep }),
      select: build('select', { LANES: rowLanes }),
      race: build('race', { LANES: scanLanes }),
      finish: build('finish', { LANES: rowLanes }),
    };
  }

  /**
   * out[r] = the token sampled from logits[r, :] under inputs' row r: four calls, in order. The
   * first owns the shape uniform it makes (destroy frees it).
   */
  bind(rows: RowSource, io: SamplerBuffers, label = 'sample'): KernelCall[] {
    const count = rows.uniforms.binding(rows.count);
    const { chunks, chunkTokens } = this.shape;
    const shape = this.device.createBuffer({ label: `${label}.shape`, size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    // struct Shape in sampler_common.wgsl
    const shapeWords = [this.vocab, chunkTokens, chunks, chunkSlots(this.vocab), scratchRowWords(this.vocab), tokenMaskWords(this.vocab), 0, 0];
    this.device.queue.writeBuffer(shape, 0, Uint32Array.from(shapeWords));
    const { logits, inputs, scratch, out } = io;
    // Grids: (chunks, S) for the passes over the vocabulary, (S) for the per-row ones.
    const call = (pass: Pass, resources: readonly (GPUBuffer | GPUBufferBinding)[], overChunks: boolean) => {
      const pipeline = this.pipelines[pass];
      const binding = bindGroup(this.device, `${label}.${pass}`, pipeline, [count, shape, ...resources]);
      return kernelCall(`${label}.${pass}`, binding, (counts) => (overChunks ? [chunks, counts[rows.count], 1] : [counts[rows.count], 1, 1]));
    };
    const first = call('chunks', [logits, inputs.params, inputs.entries, scratch, inputs.masks], true);
    return [
      { ...first, destroy: () => shape.destroy() },
      call('select', [logits, inputs.params, scratch, out], false),
      call('race', [inputs.params, scratch], true),
      call('finish', [logits, scratch, out], false),
    ];
  }
}

export interface SamplerOutput {
  readonly tokenIds: Uint32Array;
  /** Raw logprob of each sampled token. */
  readonly logprobs: Float32Array;
  /** numLogprobs[r] best tokens of row r (fewer if the vocab is smaller), best first. */
  readonly top: { ids: number[]; logprobs: number[] }[];
  /** 1 for a row whose raw logits hold a NaN or ±Inf: its token and logprobs mean nothing. */
  readonly nonFiniteLogits: Uint8Array;
}

/** Reads rows [0, numRows) of `out` (as copied back from the GPU). */
export function decodeSamplerOutput(words: Uint32Array, numRows: number, numLogprobs: readonly number[]): SamplerOutput {
  if (words.length < numRows * outWords) throw new RangeError(`${words.length} words < ${numRows} rows × ${outWords}`);
  const floats = new Float32Array(words.buffer, words.byteOffset, numRows * outWords);
  const tokenIds = new Uint32Array(numRows);
  const logprobs = new Float32Array(numRows);
  const nonFiniteLogits = new Uint8Array(numRows);
  const top: { ids: number[]; logprobs: number[] }[] = [];
  for (let r = 0; r < numRows; r++) {
    const o = r * outWords;
    tokenIds[r] = words[o] as number;
    logprobs[r] = floats[o + 1] as number;
    nonFiniteLogits[r] = words[o + flagsWord] === 0 ? 0 : 1;
    const ids: number[] = [];
    const values: number[] = [];
    const wanted = Math.min(numLogprobs[r] ?? 0, maxTopLogprobs);
    for (let j = 0; j < wanted && words[o + 2 + j] !== noToken; j++) {
      ids.push(words[o + 2 + j] as number);
      values.push(floats[o + 2 + maxTopLogprobs + j] as number);
    }
    top.push({ ids, logprobs: values });
  }
  return { tokenIds, logprobs, top, nonFiniteLogits };
}
