import { describe, it, expect } from 'vitest';
import { parseGenerationConfig } from '../../src/model/generation-config.ts';
import { isLlmError } from '../../src/errors.ts';

describe('parseGenerationConfig', () => {
  it("reads Qwen2.5-Instruct's file", () => {
    const config = parseGenerationConfig({
      bos_token_id: 151643,
      pad_token_id: 151643,
      do_sample: true,
      eos_token_id: [151645, 151643],
      repetition_penalty: 1.05,
      temperature: 0.7,
      top_p: 0.8,
      top_k: 20,
      transformers_version: '4.37.0',
    });
    expect(config).toEqual({
      eosTokenIds: [151645, 151643],
      doSample: true,
      repetitionPenalty: 1.05,
      temperature: 0.7,
      topP: 0.8,
      topK: 20,
    });
  });

  it('accepts a single eos id and sets only the fields present', () => {
    const config = parseGenerationConfig({ eos_token_id: 2, min_p: 0.05 });
    expect(config).toEqual({ eosTokenIds: [2], minP: 0.05 });
    expect('temperature' in config).toBe(false);
    expect(parseGenerationConfig({})).toEqual({ eosTokenIds: [] });
    expect(parseGenerationConfig({ temperature: null })).toEqual({ eosTokenIds: [] });
  });

  it.each([
    ['temperature', -1],
    ['top_p', 0],
    ['top_p', 1.5],
    ['top_k', 2.5],
    ['min_p', 2],
    ['repetition_penalty', 0],
    ['do_sample', 'yes'],
    ['eos_token_id', 'x'],
    ['temperature', '0.7'],
  ])('names a bad %s (%j)', (field, value) => {
    let caught: unknown;
    try {
      parseGenerationConfig({ [field]: value });
    } catch (error) {
      caught = error;
    }
    expect(isLlmError(caught, 'invalid_config')).toBe(true);
    expect((caught as { subject: string }).subject).toBe(field);
  });

  it('refuses a non-object', () => {
    expect(() => parseGenerationConfig(null)).toThrow(/generation_config\.json/);
  });
});
