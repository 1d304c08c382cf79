/** Sampling parameters, stop conditions and KV pool sizing: the engine's pure-TypeScript parts. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveSampling } from '../../src/engine/sampling-params.ts';
import { Sequence } from '../../src/engine/sequence.ts';
import { isLlmError } from '../../src/errors.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { KvCache } from '../../src/model/kv-cache.ts';
import { defaultKvBudget, planKvCache, weightBytes } from '../../src/model/kv-plan.ts';

const vocab = 100;
const seed = () => 42;

function refusal(run: () => unknown): { code: string; subject: string | undefined } {
  try {
    run();
  } catch (error) {
    if (isLlmError(error)) return { code: error.code, subject: error.subject };
    throw error;
  }
  throw new Error('no error');
}

describe('resolveSampling', () => {
  it('fills defaults from generation_config.json, and the request wins over them', () => {
    const defaults = { eosTokenIds: [1], temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05 };
    const resolved = resolveSampling({ maxTokens: 5 }, defaults, vocab, seed);
    expect(resolved).toMatchObject({ temperature: 0.7, topP: 0.8, topK: 20, minP: 0, repetitionPenalty: 1.05, seed: 42, ignoreEos: false });
    const own = resolveSampling({ maxTokens: 5, temperature: 0, topK: -1, seed: 7, logitBias: { 3: -100 } }, defaults, vocab, seed);
    expect(own).toMatchObject({ temperature: 0, topK: 0, seed: 7 });
    expect([...own.logitBias]).toEqual([[3, -100]]);
    expect(resolveSampling({ maxTokens: 1 }, { eosTokenIds: [] }, vocab, seed)).toMatchObject({ temperature: 1, topP: 1, topK: 0 });
  });

  it.each([
    [{ maxTokens: 0 }, 'maxTokens'],
    [{ maxTokens: -2 }, 'maxTokens'],
    [{ maxTokens: 1.5 }, 'maxTokens'],
    [{ maxTokens: 4, temperature: -0.1 }, 'temperature'],
    [{ maxTokens: 4, topP: 0 }, 'topP'],
    [{ maxTokens: 4, topK: -2 }, 'topK'],
    [{ maxTokens: 4, minP: 1.5 }, 'minP'],
    [{ maxTokens: 4, repetitionPenalty: 0 }, 'repetitionPenalty'],
    [{ maxTokens: 4, presencePenalty: 3 }, 'presencePenalty'],
    [{ maxTokens: 4, frequencyPenalty: -2.5 }, 'frequencyPenalty'],
    [{ maxTokens: 4, logitBias: { 5: 101 } }, 'logitBias'],
    [{ maxTokens: 4, logitBias: { 500: 1 } }, 'logitBias'],
    [{ maxTokens: 4, stopTokenIds: [vocab] }, 'stopTokenIds'],
    [{ maxTokens: 4, seed: 1.5 }, 'seed'],
    [{ maxTokens: 4, logprobs: 21 }, 'logprobs'],
    [{ maxTokens: 4, bestOf: 2 }, 'bestOf'],
    [{ maxTokens: 4, minTokens: -1 }, 'minTokens'],
    [{ maxTokens: 4, minTokens: 5 }, 'minTokens'],
    [{ maxTokens: 4, allowedTokenIds: [] }, 'allowedTokenIds'],
    [{ maxTokens: 4, allowedTokenIds: [vocab] }, 'allowedTokenIds'],
    [{ maxTokens: 4, badWordIds: [[]] }, 'badWordIds'],
    [{ maxTokens: 4, badWordIds: [[1, -1]] }, 'badWordIds'],
  ])('refuses %j naming %s', (params, field) => {
    expect(refusal(() => resolveSampling(params as never, { eosTokenIds: [] }, vocab, seed))).toEqual({ code: 'invalid_argument', subject: field });
  });
  it('takes at most 300 logit-bias entries', () => {
    const bias = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [i, 1]));
    expect(resolveSampling({ maxTokens: 1, logitBias: bias(300) }, { eosTokenIds: [] }, 1000, seed).logitBias.size).toBe(300);
    expect(() => resolveSampling({ maxTokens: 1, logitBias: bias(301) }, { eosTokenIds: [] }, 1000, seed)).toThrow(/at most 300/);
  });
});

describe('Sequence stop conditions', () => {
  const sampling = (extra: object = {}) => resolveSampling({ maxTokens: 3, ...extra }, { eosTokenIds: [] }, vocab, seed);

  it('stops on any of the EOS ids, on a stop token id, or at maxTokens', () => {
    const eos = new Sequence('a', [1, 2], sampling(), [50, 51], 0);
    expect(eos.appendToken(7)).toBeUndefined();
    expect(eos.appendToken(51)).toBe('stop');
    const stop = new Sequence('b', [1], sampling({ stopTokenIds: [9] }), [50], 0);
    expect(stop.appendToken(9)).toBe('stop');
    const length = new Sequence('c', [1], sampling(), [50], 0);
    expect([length.appendToken(4), length.appendToken(4), length.appendToken(5)]).toEqual([undefined, undefined, 'length']);
    expect(length.outputIds).toEqual([4, 4, 5]);
    expect(length.outputCounts.get(4)).toBe(2);
    const ignoring = new Sequence('d', [1], sampling({ ignoreEos: true }), [50], 0);
    expect(ignoring.appendToken(50)).toBeUndefined();
  });
});

describe('planKvCache', () => {
  const config = parseModelConfig(JSON.parse(readFileSync(new URL('../fixtures/qwen2-bf16/config.json', import.meta.url), 'utf8')));
  const perBlock = KvCache.bytesPerBlock(config, 16);
  const limits = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 } as GPUSupportedLimits;

  it('stores K and V in f16: a block costs 2 bytes per value, half of f32, so a budget holds twice the tokens', () => {
    expect(perBlock).toBe(2 * config.numLayers * config.numKvHeads * 16 * config.headDim * 2);
  });

  it('sizes the pool from a byte budget, the model size by default', () => {
    expect(planKvCache(config, limits, 0, 16, { kvCacheBytes: 10 * perBlock + 5 })).toBe(10);
    expect(defaultKvBudget(1)).toBe(64 * 1024 * 1024);
    expect(defaultKvBudget(300 * 1024 * 1024)).toBe(300 * 1024 * 1024);
    expect(defaultKvBudget(8 * 1024 * 1024 * 1024)).toBe(1024 * 1024 * 1024);
    const modelBytes = 200 * 1024 * 1024;
    expect(planKvCache(config, limits, modelBytes, 16, {})).toBe(Math.floor(modelBytes / perBlock));
    expect(planKvCache(config, limits, 0, 16, { numKvBlocks: 7 })).toBe(7);
  });

  it('never exceeds what one binding per layer pool may hold', () => {
    const small = { maxStorageBufferBindingSize: 64 * 1024, maxBufferSize: 1 << 30 } as GPUSupportedLimits;
    expect(planKvCache(config, small, 0, 16, { kvCacheBytes: 1 << 30 })).toBe(Math.floor((64 * 1024) / (perBlock / (2 * config.numLayers))));
  });

  it('counts a 4-bit Linear at its packed size: I32 words at 4 bytes, floats (f16 on the GPU) at 2', () => {
    const tensor = (dtype: 'I32' | 'F16' | 'BF16' | 'F32', shape: number[]) => ({ name: dtype, dtype, shape, file: 'model.safetensors' });
    // A [256, 512] Linear, AWQ G 128: qweight [512, 32] + qzeros [4, 32] I32, scales [4, 256] f16; an f32 embedding [100, 512].
    const tensors = new Map([
      ['qweight', tensor('I32', [512, 32])],
      ['qzeros', tensor('I32', [4, 32])],
      ['scales', tensor('F16', [4, 256])],
      ['embed', tensor('F32', [100, 512])],
    ]);
    expect(weightBytes({ tensors, files: ['model.safetensors'] })).toBe(512 * 32 * 4 + 4 * 32 * 4 + 4 * 256 * 2 + 100 * 512 * 2);
    // qweight alone: half a byte per weight (the f16 path counts 2).
    expect(512 * 32 * 4).toBe((256 * 512) / 2);
  });

  it('counts a float matrix quantized at load (G 32) at its 4-bit size, vectors at f16', () => {
    const tensor = (dtype: 'F16' | 'BF16' | 'F32', shape: number[]) => ({ name: dtype, dtype, shape, file: 'model.safetensors' });
    // A BF16 [256, 512] Linear, an F32 embedding [100, 512], a norm [512].
    const tensors = new Map([['linear', tensor('BF16', [256, 512])], ['embed', tensor('F32', [100, 512])], ['norm', tensor('BF16', [512])]]);
    const checkpoint = { tensors, files: ['model.safetensors'] };
    // Per row of 512: 64 qweight words, 16 groups → 8 words of f16 scale pairs, 4 words of zero bytes.
    const q4 = weightBytes(checkpoint, 32);
    expect(q4).toBe((256 + 100) * (64 + 8 + 4) * 4 + 512 * 2);
    expect(weightBytes(checkpoint)).toBe((256 + 100) * 512 * 2 + 512 * 2);
    expect(q4 / weightBytes(checkpoint)).toBeLessThan(0.3);
  });

  it('refuses budgets that hold no block, and bad counts', () => {
    expect(refusal(() => planKvCache(config, limits, 0, 16, { kvCacheBytes: perBlock - 1 })).code).toBe('adapter_insufficient');
    expect(refusal(() => planKvCache(config, limits, 0, 16, { numKvBlocks: 0 })).subject).toBe('numKvBlocks');
    expect(refusal(() => planKvCache(config, limits, 0, 16, { kvCacheBytes: -1 })).subject).toBe('kvCacheBytes');
  });
});
