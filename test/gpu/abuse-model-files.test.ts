/**
 * Abuse suite, model files: corrupted copies of the fixture folders, each refused at load with a
 * typed LlmError (status 500, an OpenAI-shaped error body) whose subject names the file, field or
 * tensor at fault and whose message names the file; after every kind, one engine loaded from an
 * intact fixture before them all still answers a normal request and holds no KV block.
 * Kinds: missing, empty, truncated and invalid files; config.json fields of the wrong type,
 * negative, zero, missing, inconsistent; generation_config.json values; safetensors headers that
 * lie (length, JSON, dtypes, shapes, offsets, size); tensors missing, extra, in a layer the config
 * does not have, in two shards; NaN, ±Inf and values beyond f16 in BF16, F16, F32 and 4-bit
 * scales; tokenizer.json models the library cannot run, malformed vocabularies, ids beyond
 * vocab_size; chat templates and special tokens of the wrong type.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { createEngine } from '../../src/api/create-engine.ts';
import { generate } from '../../src/engine/generate.ts';
import { loadModel } from '../../src/model/load-model.ts';
import { expectRefusal, expectStillServes, rejection } from '../support/abuse-check.ts';
import { loadFixtureEngine } from '../support/fixture-engine.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { kinds, SINGLE, tokenizerConfig } from '../support/model-file-kinds.ts';
import { copyFixture, newTensor, rewriteTensors } from '../support/model-folder-edits.ts';

let engine: LlmEngine;
let scratch: string;
let folders = 0;
const gpuErrors: string[] = [];

beforeAll(async () => {
  engine = await loadFixtureEngine('qwen2-bf16');
  const gpu = await testGpu();
  gpu.device.addEventListener('uncapturederror', (event) => gpuErrors.push((event as GPUUncapturedErrorEvent).error.message));
  scratch = await mkdtemp(join(tmpdir(), 'abuse-model-files-'));
  console.log(`abuse kinds (model files): ${kinds.length}`);
});

afterAll(async () => {
  await engine?.dispose();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('corrupted model folders are refused with a typed error naming what is wrong', () => {
  it('every kind is distinct', () => {
    expect(new Set(kinds.map((kind) => kind.name)).size).toBe(kinds.length);
    expect(kinds.length).toBeGreaterThanOrEqual(60);
  });

  it.each(kinds)('$name', async (kind) => {
    const folder = await copyFixture(kind.fixture, join(scratch, `${kind.fixture}-${folders++}`));
    await kind.corrupt(folder);
    const error = await rejection(async () => (await loadModel(await testGpu(), folder)).dispose());
    expectRefusal(error, { status: 500, param: kind.subject, code: kind.code, ...(kind.message === undefined ? {} : { message: kind.message }) });
    expect(String((error as Error).message), 'the message names the file').toContain(kind.file);
    await rm(folder, { recursive: true, force: true });
    await expectStillServes(engine);
  });

  it('left no GPU error behind on the device the loads shared', () => {
    expect(gpuErrors).toEqual([]);
  });

  it.each([
    { label: 'layers beyond num_hidden_layers', kind: 'num_hidden_layers below the checkpoint\'s' },
    { label: 'a chat_template that is a number', kind: 'chat_template a number' },
  ])('the public API (createEngine) refuses $label with the same typed error', async ({ kind: name }) => {
    const kind = kinds.find((candidate) => candidate.name === name)!;
    const folder = await copyFixture(kind.fixture, join(scratch, `public-${folders++}`));
    await kind.corrupt(folder);
    const error = await rejection(async () => (await createEngine({ model: folder, worker: false })).dispose());
    expectRefusal(error, { status: 500, param: kind.subject, code: kind.code });
    await expectStillServes(engine);
  });
});

describe('what stays accepted', () => {
  it('a tied lm_head copy and rotary inv_freq buffers load and give the golden tokens; a template list renders its "default"', async () => {
    const folder = await copyFixture('qwen2-bf16', join(scratch, `accepted-${folders++}`));
    await rewriteTensors(folder, SINGLE, (all) => {
      all.set('lm_head.weight', { ...all.get('model.embed_tokens.weight')! });
      for (const layer of [0, 1]) all.set(`model.layers.${layer}.self_attn.rotary_emb.inv_freq`, newTensor('F32', [8]));
      all.set('model.rotary_emb.inv_freq', newTensor('F32', [8]));
    });
    await tokenizerConfig((t) => (t['chat_template'] = [{ name: 'tool_use', template: 'T' }, { name: 'default', template: t['chat_template'] }]))(folder);
    const golden = JSON.parse(await readFile(join(folder, 'golden.json'), 'utf8')) as { prompt_ids: number[]; greedy_ids: number[] };
    const model = await loadModel(await testGpu(), folder);
    try {
      expect(model.tokenizer?.chatTemplate).toContain('<|im_start|>');
      const result = await generate(model, { promptIds: golden.prompt_ids, maxTokens: 4, ignoreEos: true });
      expect(result.completionIds).toEqual(golden.greedy_ids.slice(0, 4));
    } finally {
      model.dispose();
    }
  });
});
