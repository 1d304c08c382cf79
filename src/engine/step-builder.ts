/**
 * Turns the scheduler's choice into what the GPU step reads: one row per scheduled token (with
 * its position, KV slot and sequence index), each sequence's block table, the rows that sample,
 * and for a row whose token is still pending on the GPU, the previous step's sample row to take
 * it from (a token feed). Sampling rows are built separately, just before the step samples, so
 * their parameters, penalty entries and token mask (token-mask.ts) see every token read back by
 * then. Arrays are reused between steps.
 */
import { tokenMaskWords, type PenaltyEntry, type SamplerRow } from '../gpu/kernels/sampler-row.ts';
import { greedyRow } from '../model/model-runner.ts';
import type { StepOutput } from '../model/model-runner.ts';
import type { StepBatch, StepLimits, TokenFeed } from '../model/step-batch.ts';
import type { PrefillMark } from './prefill-report.ts';
import type { ScheduledSequence, SchedulerOutput } from './scheduler.ts';
import type { Sequence } from './sequence.ts';
import { fillTokenMask } from './token-mask.ts';

export interface BuiltStep {
  readonly batch: StepBatch;
  /** Rows whose token is the previous step's sampled token, read on the GPU. */
  readonly feeds: readonly TokenFeed[];
  /** The sequence each sampling row belongs to. */
  readonly samplers: readonly Sequence[];
}

/** A step whose forward pass is on the GPU: what was scheduled, and its sampling once submitted. */
export interface LaunchedStep {
  readonly plan: SchedulerOutput;
  readonly built: BuiltStep;
  readonly launchedAt: number;
  /** Whether it only decodes (engine-stats.ts), judged at launch. */
  readonly decodeOnly: boolean;
  /** How far it brings prompts whose requests hear prefill progress (prefill-report.ts). */
  readonly prefill: readonly PrefillMark[];
  /** CPU time spent on this step so far (scheduling, building, encoding, postprocessing). */
  cpuMs: number;
  output?: Promise<StepOutput>;
}

export class StepBuilder {
  private readonly tokenIds: Uint32Array;
  private readonly positions: Uint32Array;
  private readonly slotMapping: Uint32Array;
  private readonly tokenSeq: Uint32Array;
  private readonly blockTables: Uint32Array<ArrayBuffer>;
  /** One (maskWords) view per sampling row of a (maxSeqs, maskWords) array. */
  private readonly masks: Uint32Array[];

  constructor(private readonly limits: StepLimits, private readonly blockSize: number, private readonly vocabSize: number) {
    const words = tokenMaskWords(vocabSize);
    const masks = new Uint32Array(limits.maxSeqs * words);
    this.masks = Array.from({ length: limits.maxSeqs }, (_, slot) => masks.subarray(slot * words, (slot + 1) * words));
    this.tokenIds = new Uint32Array(limits.maxTokens);
    this.positions = new Uint32Array(limits.maxTokens);
    this.slotMapping = new Uint32Array(limits.maxTokens);
    this.tokenSeq = new Uint32Array(limits.maxTokens);
    this.blockTables = new Uint32Array(limits.maxSeqs * limits.maxBlocksPerSeq);
  }

  build(scheduled: readonly ScheduledSequence[]): BuiltStep {
    const { maxBlocksPerSeq } = this.limits;
    const sampleRows: number[] = [];
    const samplers: Sequence[] = [];
    const feeds: TokenFeed[] = [];
    let row = 0;
    scheduled.forEach(({ seq, numNewTokens, samples }, index) => {
      this.blockTables.set(seq.blockTable, index * maxBlocksPerSeq);
      for (let i = 0; i < numNewTokens; i++, row++) {
        const position = seq.numComputedTokens + i;
        const token = seq.tokens[position];
        // Past the known tokens is the pending one, sampled by the previous step at lastSampleRow.
        if (token === undefined) feeds.push({ row, sampleRow: seq.lastSampleRow });
        this.tokenIds[row] = token ?? 0;
        this.positions[row] = position;
        this.slotMapping[row] = seq.blockTable[Math.floor(position / this.blockSize)]! * this.blockSize + (position % this.blockSize);
        this.tokenSeq[row] = index;
      }
      if (samples) {
        sampleRows.push(row - 1);
        samplers.push(seq);
      }
    });
    return {
      batch: {
        tokenIds: this.tokenIds.subarray(0, row),
        positions: this.positions.subarray(0, row),
        slotMapping: this.slotMapping.subarray(0, row),
        tokenSeq: this.tokenSeq.subarray(0, row),
        blockTables: this.blockTables.subarray(0, scheduled.length * maxBlocksPerSeq),
        sampleRows,
      },
      feeds,
      samplers,
    };
  }

  /**
   * The sampling rows of a launched step, from its sequences' state now. A sequence that finished
   * since (its token is discarded) samples greedily, unmasked.
   */
  samplingRows(samplers: readonly Sequence[], isLive: (seq: Sequence) => boolean): SamplerRow[] {
    return samplers.map((seq, slot) => (isLive(seq) ? samplerRow(seq, this.maskFor(seq, slot)) : greedyRow));
  }

  /** Sampling row `slot`'s token mask (grammar, allowed ids, bans), or undefined when every token may come. */
  private maskFor(seq: Sequence, slot: number): Uint32Array | undefined {
    const mask = this.masks[slot]!;
    return fillTokenMask(seq, mask, this.vocabSize) ? mask : undefined;
  }
}

/**
 * Whether a sequence's next sampling row is known before its pending tokens are: no grammar, no
 * penalty that counts tokens, no bad words, min_tokens met — its mask (allowed ids) and bias are
 * fixed. A step whose rows all are can sample in the same turn as its forward pass.
 */
export function samplesWithoutCpu(seq: Sequence): boolean {
  const s = seq.sampling;
  return seq.constraint === undefined && s.badWordIds.length === 0 && seq.numOutputTokens >= s.minTokens
    && s.repetitionPenalty === 1 && s.presencePenalty === 0 && s.frequencyPenalty === 0;
}

/** The GPU sampler's view of a sequence about to sample its next token. */
export function samplerRow(seq: Sequence, mask?: Uint32Array): SamplerRow {
  const s = seq.sampling;
  const seed = BigInt.asUintN(64, BigInt(s.seed));
  return {
    ...(mask === undefined ? {} : { mask }),
    temperature: s.temperature,
    topP: s.topP,
    topK: s.topK,
    minP: s.minP,
    repetitionPenalty: s.repetitionPenalty,
    presencePenalty: s.presencePenalty,
    frequencyPenalty: s.frequencyPenalty,
    seedLo: Number(seed & 0xffffffffn),
    seedHi: Number(seed >> 32n),
    // The output index of the token being sampled: known tokens, then pending ones (the last is this one).
    counter: seq.numOutputTokens + seq.numPendingTokens - 1,
    numLogprobs: s.logprobs ?? 0,
    entries: penaltyEntries(seq),
  };
}

/** Unique tokens whose logits change: biased ones, and seen ones when a penalty is on. */
function penaltyEntries(seq: Sequence): PenaltyEntry[] {
  const s = seq.sampling;
  const entries = new Map<number, PenaltyEntry>();
  const put = (token: number) => {
    if (entries.has(token)) return;
    entries.set(token, { token, outputCount: seq.outputCounts.get(token) ?? 0, seen: true, bias: s.logitBias.get(token) ?? 0 });
  };
  if (s.repetitionPenalty !== 1) for (const token of seq.tokens) put(token);
  else if (s.presencePenalty !== 0 || s.frequencyPenalty !== 0) for (const token of seq.outputCounts.keys()) put(token);
  for (const [token, bias] of s.logitBias) {
    const entry = entries.get(token);
    entries.set(token, entry ?? { token, outputCount: seq.outputCounts.get(token) ?? 0, seen: seq.tokens.includes(token), bias });
  }
  return [...entries.values()];
}
