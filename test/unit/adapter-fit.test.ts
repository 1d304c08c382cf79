/**
 * checkAdapterFits refuses, before any allocation, an adapter whose limits cannot hold a buffer
 * the model needs, naming the limit and the option to lower; a usual adapter passes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors.ts';
import { checkAdapterFits } from '../../src/model/adapter-fit.ts';
import { parseModelConfig } from '../../src/model/config.ts';

const config = parseModelConfig(JSON.parse(readFileSync(new URL('../fixtures/qwen2-bf16/config.json', import.meta.url), 'utf8')));
const MiB = 1024 * 1024;
const usual = { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB, maxStorageBuffersPerShaderStage: 8 };
const step = { maxTokens: 512, maxSeqs: 16, maxBlocksPerSeq: 8 };

function refusal(fn: () => void): { code: string; subject: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(isLlmError(error, 'adapter_insufficient'), String(error)).toBe(true);
    return error as { code: string; subject: string; message: string };
  }
  throw new Error('expected adapter_insufficient');
}

describe('checkAdapterFits', () => {
  it('passes on the default limits (SwiftShader: 128 MiB bindings)', () => {
    expect(() => checkAdapterFits(config, usual, step)).not.toThrow();
  });

  it('names maxNumBatchedTokens when activations exceed the binding limit', () => {
    const error = refusal(() => checkAdapterFits(config, usual, { ...step, maxTokens: 1 << 20 }));
    expect(error.subject).toBe('maxNumBatchedTokens');
    expect(error.message).toContain('maxStorageBufferBindingSize');
  });

  it('names maxNumSeqs when the logits do not fit, and the smaller of the two limits', () => {
    const error = refusal(() => checkAdapterFits(config, { ...usual, maxBufferSize: 1 * MiB }, { ...step, maxTokens: 1, maxSeqs: 4096 }));
    expect(error.subject).toBe('maxNumSeqs');
    expect(error.message).toContain('maxBufferSize');
  });

  it('refuses an adapter that cannot hold one weight row, or binds too few storage buffers', () => {
    expect(refusal(() => checkAdapterFits(config, { ...usual, maxStorageBufferBindingSize: 64 }, { ...step, maxTokens: 1, maxSeqs: 1 })).message).toContain('weight row');
    expect(refusal(() => checkAdapterFits(config, { ...usual, maxStorageBuffersPerShaderStage: 4 }, step)).subject).toBe('maxStorageBuffersPerShaderStage');
  });
});
