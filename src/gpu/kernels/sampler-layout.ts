/**
 * How the sampler (shaders/sample_*.wgsl) splits a row's vocabulary into chunks, and its scratch
 * layout (sampler_common.wgsl): per row, s for every token, then per-chunk statistics, races and
 * candidates, then the row's state. Sizes depend on the vocabulary only, so buffers can be sized
 * before the adapter is known; the chunking depends on the adapter.
 */
import type { KernelTarget } from '../kernel-target.ts';

const listSlots = 32; // LIST: best s a chunk keeps
const rawListSlots = 20; // RAW_LIST: best raw logits a chunk keeps (top logprobs)
const statWords = 12; // STAT_WORDS
const raceWords = 2;
const stateWords = 8; // STATE_WORDS
const chunkWords = statWords + raceWords + 2 * listSlots + 2 * rawListSlots;
/** The fewest tokens a chunk may have; with maxChunks it bounds the chunk records of a row. */
const minChunkTokens = 16;
/** sample_select and sample_finish give each chunk one invocation of a workgroup of ≤ 256. */
const maxChunks = 256;

/** Chunk records a row of scratch has room for (CHUNK_SLOTS). */
export function chunkSlots(vocab: number): number {
  return Math.min(maxChunks, Math.ceil(vocab / minChunkTokens));
}

/** u32 words of scratch a sampled row takes (ROW_WORDS). */
export function scratchRowWords(vocab: number): number {
  return vocab + chunkSlots(vocab) * chunkWords + stateWords;
}

export interface SamplerShape {
  /** Reduction lanes of the passes over the vocabulary (chunks, race): workgroups of lanes². */
  readonly scanLanes: number;
  /** Reduction lanes of the per-row passes (select, finish): workgroups of lanes² ≥ chunks. */
  readonly rowLanes: number;
  /** Values each invocation of the first pass keeps while scanning (KEEP). */
  readonly keep: number;
  readonly chunkTokens: number;
  readonly chunks: number;
}

/**
 * GPUs: workgroups of 256 over chunks of 1,024 tokens (149 chunks at a 151,936 vocabulary), each
 * invocation keeping 2 of its 4 tokens as candidates.
 * CPU adapters (SwiftShader): a workgroup with barriers runs each 4 invocations as a coroutine, so
 * workgroups and barriers are what costs: at most 8 chunks (a few per core), workgroups of 64 over
 * them, 16 for the per-row passes, each invocation keeping 3 of its hundreds of tokens.
 */
export function samplerShape(vocab: number, target: KernelTarget, chunkTokens?: number): SamplerShape {
  const [scanLanes, rowLanes, keep] = target.software ? [8, 4, 3] : [16, 16, 2];
  const least = Math.max(minChunkTokens, Math.ceil(vocab / Math.min(rowLanes * rowLanes, chunkSlots(vocab))));
  const preferred = target.software ? Math.max(2048, Math.ceil(vocab / 8)) : 1024;
  const tokens = chunkTokens ?? Math.max(preferred, least);
  if (!(Number.isInteger(tokens) && tokens >= least)) throw new RangeError(`sampler chunk of ${tokens} tokens: at least ${least} at vocab ${vocab}`);
  return { scanLanes, rowLanes, keep, chunkTokens: tokens, chunks: Math.ceil(vocab / tokens) };
}

/**
 * How a row's token was chosen: greedy or from the chunks' candidates ('chosen'), by the race over
 * the vocabulary for a plain threshold ('race'), or after the whole-vocabulary search ('fallback').
 */
export type SamplerRoute = 'chosen' | 'race' | 'fallback';
const routes: readonly SamplerRoute[] = ['chosen', 'race', 'fallback'];

export interface SamplerRowState {
  readonly route: SamplerRoute;
  /** Top logprobs taken from the chunks' lists; any more came from scans of the vocabulary. */
  readonly listedLogprobs: number;
}

/** Reads row `row`'s state words from a copy of the scratch buffer. */
export function readSamplerState(scratch: Uint32Array, row: number, vocab: number): SamplerRowState {
  const state = (row + 1) * scratchRowWords(vocab) - stateWords;
  const route = routes[scratch[state + 1] as number];
  if (route === undefined) throw new RangeError(`sampler row ${row}: route word ${scratch[state + 1]}`);
  return { route, listedLogprobs: scratch[state + 6] as number };
}
