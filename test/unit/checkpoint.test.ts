import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCheckpoint, type CheckpointLayout } from '../../src/model/checkpoint.ts';
import { streamCheckpoint } from '../../src/model/checkpoint-stream.ts';
import { boundSource, openModelSource, type ModelSource } from '../../src/hub/model-source.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { parseGenerationConfig } from '../../src/model/generation-config.ts';
import { toFloat16Bits, type TensorInfo } from '../../src/model/safetensors.ts';
import { validateCheckpoint } from '../../src/model/tensor-names.ts';
import { isLlmError, type ErrorCode } from '../../src/errors.ts';
import { buildSafetensors, f32Bytes } from './helpers/safetensors-bytes.ts';

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'checkpoint-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function expectRejects(promise: Promise<unknown>, code: ErrorCode, subject: string, messagePart?: string): Promise<void> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isLlmError(caught, code), `expected LlmError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { subject: string }).subject).toBe(subject);
  if (messagePart !== undefined) expect((caught as Error).message).toContain(messagePart);
}

/** Counts whole-file streams per file, to check each shard's data is read once. */
function countingSource(source: ModelSource, reads: Map<string, number>): ModelSource {
  return {
    ...boundSource(source),
    openStream: (name) => {
      reads.set(name, (reads.get(name) ?? 0) + 1);
      return source.openStream(name);
    },
  };
}

/** Every tensor's bytes, reassembled from the streamed pieces. */
async function streamTensors(source: ModelSource, layout: CheckpointLayout): Promise<Map<string, TensorInfo>> {
  const parts = new Map<string, Uint8Array[]>();
  await streamCheckpoint(source, layout, (piece) => void parts.set(piece.name, [...(parts.get(piece.name) ?? []), piece.data.slice()]));
  const tensors = new Map<string, TensorInfo>();
  for (const [name, pieces] of parts) {
    const data = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.byteLength, 0));
    pieces.reduce((offset, piece) => (data.set(piece, offset), offset + piece.byteLength), 0);
    tensors.set(name, { ...layout.tensors.get(name)!, data });
  }
  return tensors;
}

const SHARD_1 = 'model-00001-of-00002.safetensors';
const SHARD_2 = 'model-00002-of-00002.safetensors';

async function writeSharded(weightMap?: Record<string, string>): Promise<void> {
  await writeFile(
    join(folder, SHARD_1),
    buildSafetensors([
      { name: 'model.embed_tokens.weight', dtype: 'F32', shape: [2, 2], data: f32Bytes([1, 2, 3, 4]) },
      { name: 'model.layers.0.input_layernorm.weight', dtype: 'BF16', shape: [2] },
    ]),
  );
  await writeFile(join(folder, SHARD_2), buildSafetensors([{ name: 'model.norm.weight', dtype: 'F16', shape: [2] }]));
  const index = {
    metadata: { total_size: 28 },
    weight_map: weightMap ?? {
      'model.embed_tokens.weight': SHARD_1,
      'model.layers.0.input_layernorm.weight': SHARD_1,
      'model.norm.weight': SHARD_2,
    },
  };
  await writeFile(join(folder, 'model.safetensors.index.json'), JSON.stringify(index));
}

describe('openCheckpoint', () => {
  it('reads a single model.safetensors', async () => {
    await writeFile(join(folder, 'model.safetensors'), buildSafetensors([{ name: 'a', dtype: 'F32', shape: [3] }]));
    const checkpoint = await openCheckpoint(openModelSource(folder));
    expect(checkpoint.files).toEqual(['model.safetensors']);
    expect(checkpoint.tensors.get('a')).toMatchObject({ dtype: 'F32', shape: [3], file: 'model.safetensors' });
  });

  it('reads every shard of a sharded checkpoint once (headers first, then one stream each)', async () => {
    await writeSharded();
    const reads = new Map<string, number>();
    const source = countingSource(openModelSource(folder), reads);
    const checkpoint = await openCheckpoint(source);
    expect(checkpoint.files).toEqual([SHARD_1, SHARD_2]);
    expect(reads.size).toBe(0); // headers only so far
    expect(checkpoint.tensors.size).toBe(3);
    expect(checkpoint.tensors.get('model.norm.weight')).toMatchObject({ dtype: 'F16', file: SHARD_2 });
    const tensors = await streamTensors(source, checkpoint);
    expect([...reads]).toEqual([
      [SHARD_1, 1],
      [SHARD_2, 1],
    ]);
    const embed = tensors.get('model.embed_tokens.weight')!;
    expect(Array.from(new Float32Array(embed.data.slice().buffer))).toEqual([1, 2, 3, 4]);
  });

  it('prefers the index when both layouts are present', async () => {
    await writeSharded();
    await writeFile(join(folder, 'model.safetensors'), buildSafetensors([]));
    expect((await openCheckpoint(openModelSource(folder))).files).toEqual([SHARD_1, SHARD_2]);
  });

  it('names a missing shard', async () => {
    await writeSharded();
    await rm(join(folder, SHARD_2));
    await expectRejects(openCheckpoint(openModelSource(folder)), 'missing_file', SHARD_2);
  });

  it('names a truncated shard and the tensor cut off', async () => {
    await writeSharded();
    const bytes = buildSafetensors([{ name: 'model.norm.weight', dtype: 'F32', shape: [64] }]);
    await writeFile(join(folder, SHARD_2), bytes.subarray(0, bytes.byteLength - 10));
    await expectRejects(openCheckpoint(openModelSource(folder)), 'truncated_file', 'model.norm.weight', SHARD_2);
  });

  it('names a tensor the index places in a shard that lacks it', async () => {
    await writeSharded({ 'model.embed_tokens.weight': SHARD_1, 'lm_head.weight': SHARD_2 });
    await expectRejects(openCheckpoint(openModelSource(folder)), 'missing_tensor', 'lm_head.weight', SHARD_2);
  });

  it('names a tensor held by two shards (both copies would stream onto the GPU)', async () => {
    await writeSharded();
    await writeFile(join(folder, SHARD_2), buildSafetensors([
      { name: 'model.norm.weight', dtype: 'F16', shape: [2] },
      { name: 'model.embed_tokens.weight', dtype: 'F32', shape: [2, 2] },
    ]));
    await expectRejects(openCheckpoint(openModelSource(folder)), 'invalid_safetensors', 'model.embed_tokens.weight', `${SHARD_1} and ${SHARD_2}`);
  });

  it('refuses a bad index', async () => {
    await writeFile(join(folder, 'model.safetensors.index.json'), '{"weight_map": []}');
    await expectRejects(openCheckpoint(openModelSource(folder)), 'invalid_safetensors', 'model.safetensors.index.json');
    await writeFile(join(folder, 'model.safetensors.index.json'), '{"weight_map": {"a": "../outside.safetensors"}}');
    await expectRejects(openCheckpoint(openModelSource(folder)), 'invalid_safetensors', 'a');
  });

  it('says when there are no weights at all', async () => {
    await expectRejects(openCheckpoint(openModelSource(folder)), 'missing_file', 'model.safetensors');
  });
});

// The generated Hub-layout fixtures (tools/fixtures): every layout and dtype end to end.
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixtureFolders = existsSync(FIXTURES)
  ? readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, 'config.json')))
  : [];

describe.skipIf(fixtureFolders.length === 0)('fixture checkpoints', () => {
  it.each(fixtureFolders)('%s: config, generation config and every tensor load and validate', async (name) => {
    const source = openModelSource(join(FIXTURES, name));
    const config = parseModelConfig(await source.readJson('config.json'));
    const generation = parseGenerationConfig(await source.readJson('generation_config.json'));
    expect(generation.eosTokenIds.length).toBeGreaterThan(0);
    const checkpoint = await openCheckpoint(source);
    validateCheckpoint(config, checkpoint);
    const tensors = await streamTensors(source, checkpoint);
    expect(tensors.size).toBe(checkpoint.tensors.size);
    for (const tensor of tensors.values()) {
      const elements = tensor.shape.reduce((product, size) => product * size, 1);
      if (tensor.dtype === 'I32') {
        // 4-bit checkpoints' packed integers (qweight, qzeros, g_idx): whole words, not floats.
        expect(tensor.data.byteLength, tensor.name).toBe(elements * 4);
        expect(() => toFloat16Bits(tensor)).toThrow(/I32/);
        continue;
      }
      const half = toFloat16Bits(tensor);
      expect(half.length).toBe(elements);
      // Random weights are small and finite: no inf/NaN after conversion.
      expect(half.every((bits) => (bits & 0x7c00) !== 0x7c00)).toBe(true);
    }
  });
});
