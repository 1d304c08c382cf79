/**
 * Checks, before anything is allocated or downloaded, that every buffer the model needs can
 * exist on this adapter, and says which limit and which option are at fault ('adapter_insufficient').
 * Weight matrices are split by rows across buffers (packed-weights.ts), so only one row must fit
 * a binding; the KV pools are capped to the binding limit by kv-plan.ts; activations scale with
 * maxNumBatchedTokens and the logits with maxNumSeqs. No optional feature is required: f16
 * weights are packed in u32 words, so adapters without 'shader-f16' run every kernel.
 */
import { LlmError } from '../errors.ts';
import { SamplerKernel } from '../gpu/kernels/sampler.ts';
import { rowVec4 } from '../gpu/packed-weights.ts';
import type { ModelConfig } from './config.ts';
import type { StepLimits } from './step-batch.ts';

/** Storage buffers one kernel binds at most (paged attention). */
export const REQUIRED_STORAGE_BUFFERS = 7;

type Limits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize' | 'maxStorageBuffersPerShaderStage'>;

const MiB = 1024 * 1024;

export function checkAdapterFits(config: ModelConfig, limits: Limits, step: StepLimits): void {
  if (limits.maxStorageBuffersPerShaderStage < REQUIRED_STORAGE_BUFFERS) {
    throw new LlmError(
      'adapter_insufficient',
      `the adapter allows ${limits.maxStorageBuffersPerShaderStage} storage buffers per shader stage; attention needs ${REQUIRED_STORAGE_BUFFERS}`,
      'maxStorageBuffersPerShaderStage',
    );
  }
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const limitName = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const { hiddenSize: hidden, intermediateSize: intermediate, headDim, numHeads, numKvHeads, vocabSize: vocab } = config;
  const widestRow = Math.max(hidden, intermediate, numHeads * headDim);
  const needs: Array<{ what: string; bytes: number; option: string | undefined }> = [
    { what: `one weight row of ${widestRow} f16 values`, bytes: rowVec4(widestRow) * 16, option: undefined },
    { what: `activations of ${step.maxTokens} tokens × ${2 * intermediate} (gate/up, f32)`, bytes: step.maxTokens * 2 * intermediate * 4, option: 'maxNumBatchedTokens' },
    { what: `activations of ${step.maxTokens} tokens × ${(numHeads + 2 * numKvHeads) * headDim} (q/k/v, f32)`, bytes: step.maxTokens * (numHeads + 2 * numKvHeads) * headDim * 4, option: 'maxNumBatchedTokens' },
    { what: `activations of ${step.maxTokens} tokens × ${hidden} (f32)`, bytes: step.maxTokens * hidden * 4, option: 'maxNumBatchedTokens' },
    { what: `logits of ${step.maxSeqs} sequences × ${vocab} (f32)`, bytes: Math.max(step.maxSeqs * vocab * 4, SamplerKernel.scratchBytes(step.maxSeqs, vocab)), option: 'maxNumSeqs' },
  ];
  for (const { what, bytes, option } of needs) {
    if (bytes <= maxBytes) continue;
    const advice = option === undefined ? 'this model cannot run on this adapter' : `lower ${option}`;
    throw new LlmError(
      'adapter_insufficient',
      `the adapter's ${limitName} is ${(maxBytes / MiB).toFixed(1)} MiB, too small for ${what}: ${(bytes / MiB).toFixed(1)} MiB; ${advice}`,
      option ?? limitName,
    );
  }
}
