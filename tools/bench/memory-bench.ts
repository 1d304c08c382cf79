/**
 * The bytes side of decode (issue 12 item 6): for Qwen2.5-0.5B and 1.5B shapes at f16 and 4-bit
 * (group 32, embedding/LM head 4-bit too), GPU memory for weights and KV, bytes read per batch-1
 * decode step at a given context, and — on a hardware adapter — measured decode tokens/s with
 * random weights and its share of the copy-bandwidth roofline (copy_gbps / bytes per step).
 * On a software adapter decode at these shapes takes minutes a token: "n/a".
 */
import type { ModelConfig } from '../../src/model/config.ts';
import { KvCache } from '../../src/model/kv-cache.ts';
import { ModelRunner } from '../../src/model/model-runner.ts';
import type { StepBatch } from '../../src/model/step-batch.ts';
import { decodeBytes, type WeightFormat } from './decode-bytes.ts';
import { createRandomWeights, qwen25_05b, qwen25_15b } from './random-model.ts';
import { kernelTarget } from '../../src/gpu/kernel-target.ts';

export const q4GroupSize = 32;
const blockSize = 16;
const models: readonly { readonly name: string; readonly config: ModelConfig }[] = [
  { name: 'Qwen2.5-0.5B', config: qwen25_05b },
  { name: 'Qwen2.5-1.5B', config: qwen25_15b },
];
const formats: readonly { readonly name: string; readonly format: WeightFormat }[] = [
  { name: 'f16', format: { kind: 'f16' } },
  { name: `q4 g${q4GroupSize}`, format: { kind: 'q4', groupSize: q4GroupSize } },
];

export interface MemoryRow {
  readonly model: string;
  readonly format: string;
  readonly weights_bytes: number;
  readonly embed_bytes: number;
  readonly kv_bytes_per_token: number;
  readonly kv_default_budget_bytes: number;
  readonly kv_default_budget_tokens: number;
  readonly context: number;
  readonly weight_bytes_per_step: number;
  readonly kv_bytes_per_step: number;
  readonly bytes_per_decode_step: number;
  /** copy_gbps / bytes_per_decode_step: the decode ceiling these bytes allow on this adapter. */
  readonly ceiling_tok_s: number;
  readonly decode_tok_s: number | null;
  readonly roofline_share: number | null;
  readonly note?: string;
}

interface Gpu {
  readonly device: GPUDevice;
  readonly isSoftware: boolean;
  readonly features: ReadonlySet<string>;
}

/** Tokens/s and the bytes per step of what was timed (q4 rows: 4-bit Linears, f16 embedding/head). */
async function measureDecode(gpu: Gpu, config: ModelConfig, format: WeightFormat, context: number, tokens: number): Promise<{ tokS: number; bytes: number }> {
  const maxBlocksPerSeq = Math.ceil((context + tokens + 1) / blockSize);
  const limits = { maxTokens: 512, maxSeqs: 1, maxBlocksPerSeq };
  const weights = createRandomWeights(gpu.device, config, false, format.kind === 'q4' ? format.groupSize : undefined);
  const cache = new KvCache(gpu.device, config, { numBlocks: maxBlocksPerSeq, blockSize });
  const runner = new ModelRunner(gpu.device, config, weights, cache, limits, kernelTarget(gpu));
  const batch = (positions: number[], tokenIds: number[], sampleRows: number[]): StepBatch => ({
    tokenIds, positions, slotMapping: positions, tokenSeq: positions.map(() => 0),
    blockTables: Uint32Array.from({ length: maxBlocksPerSeq }, (_, i) => i), sampleRows,
  });
  try {
    for (let start = 0; start < context; start += limits.maxTokens) {
      const positions = Array.from({ length: Math.min(limits.maxTokens, context - start) }, (_, i) => start + i);
      await runner.step(batch(positions, positions.map(() => 1), []));
    }
    let next = (await runner.step(batch([context], [1], [0]))).tokenIds[0]!; // warm-up
    const start = performance.now();
    for (let i = 0; i < tokens; i++) next = (await runner.step(batch([context + 1 + i], [next], [0]))).tokenIds[0]!;
    const seconds = (performance.now() - start) / 1000;
    // The timed steps attend over context + 1 .. context + tokens tokens: count the mean.
    const measured = decodeBytes(config, format, context + 1 + tokens / 2, gpu.device.limits, { blockSize, head: { kind: 'f16' } });
    return { tokS: tokens / seconds, bytes: measured.bytesPerDecodeStep };
  } finally {
    runner.destroy();
    cache.destroy();
    weights.destroy();
  }
}

export async function memoryRows(gpu: Gpu, copyGbps: number, context: number, decodeTokens: number, forceDecode = false): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  for (const { name: model, config } of models) {
    for (const { name: format, format: weightFormat } of formats) {
      const bytes = decodeBytes(config, weightFormat, context, gpu.device.limits, { blockSize });
      let decode: { tokS: number; bytes: number } | undefined;
      if (!gpu.isSoftware || forceDecode) decode = await measureDecode(gpu, config, weightFormat, context, decodeTokens);
      rows.push({
        model,
        format,
        weights_bytes: bytes.weightsBytes,
        embed_bytes: bytes.embedBytes,
        kv_bytes_per_token: bytes.kvBytesPerToken,
        kv_default_budget_bytes: bytes.kvDefaultBudgetBytes,
        kv_default_budget_tokens: bytes.kvDefaultBudgetTokens,
        context,
        weight_bytes_per_step: bytes.weightBytesPerStep,
        kv_bytes_per_step: bytes.kvBytesPerStep,
        bytes_per_decode_step: bytes.bytesPerDecodeStep,
        ceiling_tok_s: (copyGbps * 1e9) / bytes.bytesPerDecodeStep,
        decode_tok_s: decode?.tokS ?? null,
        roofline_share: decode === undefined ? null : (decode.tokS * decode.bytes) / (copyGbps * 1e9),
        ...(decode === undefined
          ? { note: 'n/a on a software adapter' }
          : weightFormat.kind === 'q4' ? { note: 'timed with 4-bit Linears and an f16 embedding/LM head (ModelWeights holds no 4-bit head yet); roofline_share counts those bytes' } : {}),
      });
    }
  }
  return rows;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function printMemoryRows(adapter: string, copyGbps: number, rows: readonly MemoryRow[]): void {
  console.log(`\nbytes per decode step (batch 1, context ${rows[0]?.context}), on ${adapter}, copy ${copyGbps.toFixed(1)} GB/s`);
  console.log('model         format    weights      KV/token  KV default budget         weights/step  KV/step    total/step   ceiling tok/s  decode tok/s  of roofline');
  for (const row of rows) {
    console.log([
      row.model.padEnd(13),
      row.format.padEnd(9),
      mb(row.weights_bytes).padStart(10),
      `${(row.kv_bytes_per_token / 1024).toFixed(0)} KiB`.padStart(9),
      `${mb(row.kv_default_budget_bytes)} (${row.kv_default_budget_tokens} tok)`.padStart(25),
      mb(row.weight_bytes_per_step).padStart(12),
      mb(row.kv_bytes_per_step).padStart(9),
      mb(row.bytes_per_decode_step).padStart(11),
      row.ceiling_tok_s.toFixed(1).padStart(14),
      (row.decode_tok_s === null ? 'n/a' : row.decode_tok_s.toFixed(2)).padStart(13),
      (row.roofline_share === null ? 'n/a' : `${(row.roofline_share * 100).toFixed(0)}%`).padStart(12),
    ].join(' '));
  }
  const note = rows.find((row) => row.note !== undefined)?.note;
  if (note !== undefined) console.log(`decode tok/s: ${note}`);
}
