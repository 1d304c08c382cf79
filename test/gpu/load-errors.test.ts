/**
 * Broken model folders give a typed LlmError that names the file or tensor at fault, and a failed
 * load leaves nothing usable behind but the device, which still loads and runs an intact model.
 * Each case copies a fixture into a temp folder and damages one thing.
 */
import { cp, mkdtemp, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLlmError, type ErrorCode, type LlmError } from '../../src/errors.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { generate } from '../../src/engine/generate.ts';
import { loadModel, type LoadModelOptions } from '../../src/model/load-model.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { readSafetensors as readHeader, writeSafetensors, type Header } from '../support/model-folder-edits.ts';

type Fixture = 'qwen2-bf16' | 'qwen3-f32' | 'llama-f16-sharded' | 'qwen2-awq' | 'qwen2-gptq-act-order';

const fixturePath = (name: Fixture) => fileURLToPath(new URL(`../fixtures/${name}/`, import.meta.url));
const shard2 = 'model-00002-of-00002.safetensors';

let gpu: GpuContext;
let scratch: string;
let folders = 0;
const gpuErrors: string[] = [];

beforeAll(async () => {
  gpu = await testGpu();
  gpu.device.addEventListener('uncapturederror', (event) => gpuErrors.push((event as GPUUncapturedErrorEvent).error.message));
  scratch = await mkdtemp(join(tmpdir(), 'load-errors-'));
});

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** A fresh copy of a fixture, to damage. */
async function copyFixture(name: Fixture): Promise<string> {
  const folder = join(scratch, `${name}-${folders++}`);
  await cp(fixturePath(name), folder, { recursive: true });
  return folder;
}

/** Rewrites a safetensors header in place; the length field follows the new JSON (data offsets are header-relative). */
async function editHeader(file: string, edit: (header: Header) => void): Promise<void> {
  const { header, data } = await readHeader(file);
  edit(header);
  await writeSafetensors(file, header, data);
}

async function editConfig(folder: string, edit: (config: Record<string, unknown>) => void): Promise<void> {
  const file = join(folder, 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(config);
  await writeFile(file, JSON.stringify(config, null, 2));
}

/** The error loadModel rejects with; a load that succeeds fails the test. */
async function loadError(folder: string, options: LoadModelOptions = {}): Promise<LlmError> {
  let model;
  try {
    model = await loadModel(gpu, folder, options);
  } catch (error) {
    console.log(`[load-errors] ${JSON.stringify(error)}`);
    if (!isLlmError(error)) throw error;
    return error;
  }
  model.dispose();
  throw new Error(`loading ${folder} succeeded; expected an error`);
}

function expectError(error: LlmError, code: ErrorCode, subject: string, ...inMessage: string[]): void {
  expect(isLlmError(error, code), `${error.code}: ${error.message}`).toBe(true);
  expect(error.subject).toBe(subject);
  for (const text of [subject, ...inMessage]) expect(error.message).toContain(text);
}

describe('damaged checkpoints', () => {
  it('a deleted shard is missing_file naming the shard', async () => {
    const folder = await copyFixture('llama-f16-sharded');
    await unlink(join(folder, shard2));
    expectError(await loadError(folder), 'missing_file', shard2);
  });

  it('a shard cut short is truncated_file naming the shard and a tensor whose data is cut', async () => {
    const folder = await copyFixture('llama-f16-sharded');
    const file = join(folder, shard2);
    const { header, data } = await readHeader(file);
    const cutBytes = 1000;
    const dataLeft = data.byteLength - cutBytes;
    const cutTensors = Object.entries(header)
      .filter(([name, entry]) => name !== '__metadata__' && entry.data_offsets[1] > dataLeft)
      .map(([name]) => name);
    expect(cutTensors.length).toBeGreaterThan(0);
    const { size } = await stat(file);
    await truncate(file, size - cutBytes);
    const error = await loadError(folder);
    expect(isLlmError(error, 'truncated_file'), error.message).toBe(true);
    expect(cutTensors).toContain(error.subject);
    expect(error.message).toContain(shard2);
    expect(error.message).toContain(error.subject!);
  });

  it('a header length beyond the end of the file names the file', async () => {
    const folder = await copyFixture('qwen2-bf16');
    const file = join(folder, 'model.safetensors');
    const bytes = new Uint8Array(await readFile(file));
    new DataView(bytes.buffer, bytes.byteOffset, 8).setBigUint64(0, BigInt(bytes.byteLength) * 2n, true);
    await writeFile(file, bytes);
    expectError(await loadError(folder), 'truncated_file', 'model.safetensors');
  });

  it('a tensor shape that disagrees with config.json is tensor_shape_mismatch naming the tensor', async () => {
    const folder = await copyFixture('qwen2-bf16');
    const name = 'model.layers.1.self_attn.k_proj.weight';
    // Transposed: the byte count still matches, so only the check against config.json can tell.
    await editHeader(join(folder, 'model.safetensors'), (header) => header[name]!.shape.reverse());
    expectError(await loadError(folder), 'tensor_shape_mismatch', name, 'model.safetensors');
  });

  it.each([
    { label: 'data left as is', resize: false },
    { label: 'shape resized so I8 bytes fit', resize: true },
  ])('an I8 tensor is unknown_dtype naming the tensor ($label)', async ({ resize }) => {
    const folder = await copyFixture('qwen3-f32');
    const name = 'model.layers.0.mlp.up_proj.weight';
    await editHeader(join(folder, 'model.safetensors'), (header) => {
      const entry = header[name]!;
      entry.dtype = 'I8';
      // f32 → i8 is 4 bytes → 1: four times the elements keeps data_offsets consistent.
      if (resize) entry.shape = [entry.shape[0]! * 4, entry.shape[1]!];
    });
    expectError(await loadError(folder), 'unknown_dtype', name, 'model.safetensors', 'I8');
  });
});

describe('bad config.json', () => {
  it('an unknown architecture is unsupported_architecture', async () => {
    const folder = await copyFixture('qwen2-bf16');
    await editConfig(folder, (config) => (config['architectures'] = ['Gemma2ForCausalLM']));
    expectError(await loadError(folder), 'unsupported_architecture', 'Gemma2ForCausalLM', 'config.json');
  });

  it('yarn rope scaling is unsupported_option', async () => {
    const folder = await copyFixture('llama-f16-sharded');
    await editConfig(folder, (config) => (config['rope_scaling'] = { rope_type: 'yarn', factor: 4 }));
    expectError(await loadError(folder), 'unsupported_option', 'yarn', 'rope_scaling', 'config.json');
  });

  it('a missing config.json is missing_file', async () => {
    const folder = await copyFixture('qwen3-f32');
    await unlink(join(folder, 'config.json'));
    expectError(await loadError(folder), 'missing_file', 'config.json');
  });
});

describe('after failed loads', () => {
  it('a model too big for the GPU is refused with adapter_insufficient', async () => {
    // Activations for 2^24 rows do not fit any buffer limit: the GPU refuses mid-upload.
    const error = await loadError(fixturePath('qwen2-bf16'), { maxNumBatchedTokens: 1 << 24 });
    expect(isLlmError(error, 'adapter_insufficient'), error.message).toBe(true);
  });

  it.each(['llama-f16-sharded', 'qwen2-bf16'] as const)('the same device loads and runs intact %s', async (name) => {
    const golden = JSON.parse(await readFile(join(fixturePath(name), 'golden.json'), 'utf8')) as { prompt_ids: number[]; greedy_ids: number[] };
    const model = await loadModel(gpu, fixturePath(name));
    try {
      const result = await generate(model, { promptIds: golden.prompt_ids, maxTokens: 1, ignoreEos: true });
      expect(result.completionIds).toEqual(golden.greedy_ids.slice(0, 1));
    } finally {
      model.dispose();
    }
    // Errors inside loadModel's error scopes were caught there; none leaked to the device.
    expect(gpuErrors).toEqual([]);
  });
});

describe('damaged 4-bit checkpoints', () => {
  it('a transposed AWQ qweight (same bytes) is tensor_shape_mismatch naming it', async () => {
    const folder = await copyFixture('qwen2-awq');
    const name = 'model.layers.0.self_attn.q_proj.qweight';
    await editHeader(join(folder, 'model.safetensors'), (header) => header[name]!.shape.reverse());
    expectError(await loadError(folder), 'tensor_shape_mismatch', name, 'model.safetensors');
  });

  it('an AWQ qzeros stored as F32 is unknown_dtype naming it', async () => {
    const folder = await copyFixture('qwen2-awq');
    const name = 'model.layers.1.mlp.down_proj.qzeros';
    await editHeader(join(folder, 'model.safetensors'), (header) => void (header[name]!.dtype = 'F32'));
    expectError(await loadError(folder), 'unknown_dtype', name, 'F32', 'I32');
  });

  it('an 8-bit quantization_config is unsupported_option naming the field', async () => {
    const folder = await copyFixture('qwen2-gptq-act-order');
    await editConfig(folder, (config) => void ((config['quantization_config'] as Record<string, unknown>)['bits'] = 8));
    expectError(await loadError(folder), 'unsupported_option', 'quantization_config.bits');
  });

  it('an out-of-order g_idx under desc_act false is refused naming the g_idx, not silently dropped', async () => {
    const folder = await copyFixture('qwen2-gptq-act-order');
    await editConfig(folder, (config) => void ((config['quantization_config'] as Record<string, unknown>)['desc_act'] = false));
    const error = await loadError(folder);
    expect(isLlmError(error, 'invalid_safetensors'), error.message).toBe(true);
    expect(error.subject).toMatch(/^model\.layers\.\d+\.(self_attn|mlp)\.\w+_proj\.g_idx$/);
    expect(error.message).toContain('desc_act');
  });
});
