/**
 * Streamed upload puts the same bytes on the GPU however the file arrives: each fixture streamed
 * in tiny pieces over random 1–97-byte chunks (row pieces of every matrix, vectors assembled from
 * several pieces) reads back byte-identical to the same fixture streamed whole. The whole-file
 * upload is the one model-golden.test.ts checks against PyTorch, so this ties the piecewise path
 * to the golden logits too.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../src/model/checkpoint.ts';
import { streamCheckpoint } from '../../src/model/checkpoint-stream.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import type { FileStream, ModelSource } from '../../src/hub/model-source.ts';
import { allocateWeights, type ModelWeights } from '../../src/model/model-weights.ts';
import { openModelSource } from '../../src/hub/model-source.ts';
import { fileStream } from '../../src/hub/source-base.ts';
import { awaitGpu } from '../../src/gpu/await-gpu.ts';
import type { PackedMatrix } from '../../src/gpu/packed-weights.ts';
import { isQ4Matrix, q4Buffers, type Q4Matrix } from '../../src/gpu/q4-weights.ts';
import { readBuffer, testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';

const fixtures = ['qwen2-bf16', 'qwen3-f32', 'llama-f16-sharded', 'qwen2-awq', 'qwen2-gptq-act-order', 'qwen3-gptq-sym'];
const folder = (name: string) => new URL(`../fixtures/${name}/`, import.meta.url).pathname;

/** The local folder, but each weight file streamed in random chunks of 1..97 bytes. */
function choppy(source: ModelSource, dir: string, seed: number): ModelSource {
  const random = new Random(seed);
  return {
    ...source,
    readHead: (name, length) => source.readHead(name, length),
    openStream: async (name): Promise<FileStream> => {
      const bytes = new Uint8Array(await readFile(`${dir}${name}`));
      let offset = 0;
      return fileStream({
        name,
        size: bytes.byteLength,
        fromCache: false,
        read: async () => {
          if (offset >= bytes.byteLength) return undefined;
          const chunk = bytes.slice(offset, offset + random.int(1, 97));
          offset += chunk.byteLength;
          return chunk;
        },
        release: async () => undefined,
      });
    },
  };
}

function buffersOf(weights: ModelWeights): GPUBuffer[] {
  const matrix = (m: PackedMatrix | Q4Matrix) => (isQ4Matrix(m) ? q4Buffers(m) : m.chunks.map((chunk) => chunk.buffer));
  return [
    ...matrix(weights.embed),
    ...weights.layers.flatMap((layer) => [
      layer.inputNorm, ...matrix(layer.qkv), ...(layer.qkvBias ? [layer.qkvBias] : []), ...(layer.qkNorm ? [layer.qkNorm] : []),
      ...matrix(layer.o), layer.postNorm, ...matrix(layer.gateUp), ...matrix(layer.down),
    ]),
    weights.finalNorm,
    ...matrix(weights.lmHead),
    weights.invFreq,
  ];
}

/** A storage buffer's bytes: weights have no COPY_SRC usage, so a kernel copies them out first. */
async function readStorage(device: GPUDevice, source: GPUBuffer): Promise<Uint8Array> {
  const module = device.createShaderModule({
    label: 'test.copyOut',
    code: `@group(0) @binding(0) var<storage, read> src: array<u32>;
           @group(0) @binding(1) var<storage, read_write> dst: array<u32>;
           @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
             let i = id.y * 65535u * 64u + id.x;
             if (i < arrayLength(&src)) { dst[i] = src[i]; }
           }`,
  });
  const pipeline = device.createComputePipeline({ label: 'test.copyOut', layout: 'auto', compute: { module, entryPoint: 'main' } });
  const copy = device.createBuffer({ label: 'test.copyOut.dst', size: source.size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: source } }, { binding: 1, resource: { buffer: copy } }] });
  const groups = Math.ceil(source.size / 4 / 64);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.min(groups, 65535), Math.ceil(groups / 65535));
  pass.end();
  device.queue.submit([encoder.finish()]);
  const bytes = new Uint8Array(await readBuffer(device, copy));
  copy.destroy();
  return bytes;
}

describe.each(fixtures)('%s', (name) => {
  it('uploads the same bytes streamed in tiny pieces over random chunks as streamed whole', async () => {
    const gpu = await testGpu();
    const { device } = gpu;
    const source = openModelSource(folder(name));
    const config = parseModelConfig(await source.readJson('config.json'));
    const layout = await openCheckpoint(source);
    const upload = async (from: ModelSource, pieceBytes: number) => {
      const target = allocateWeights(device, config);
      await streamCheckpoint(from, layout, (piece) => void target.write(piece), { pieceBytes, wants: target.wants });
      target.finish();
      return target.weights;
    };
    const whole = await upload(source, 1 << 30);
    const pieces = await upload(choppy(source, folder(name), 11), 40);
    try {
      const [a, b] = [buffersOf(whole), buffersOf(pieces)];
      expect(b.length).toBe(a.length);
      let bytes = 0;
      device.pushErrorScope('validation');
      for (const [i, buffer] of a.entries()) {
        const expected = await readStorage(device, buffer);
        const actual = await readStorage(device, b[i]!);
        expect(actual.length).toBe(expected.length);
        // Every weight has non-zero values: an all-zero read would mean nothing was compared.
        expect(expected.some((byte) => byte !== 0), `${buffer.label} read back as zeros`).toBe(true);
        expect(Buffer.from(actual).equals(Buffer.from(expected)), `${buffer.label} differs`).toBe(true);
        bytes += expected.length;
      }
      expect(await awaitGpu(device.popErrorScope())).toBeNull();
      console.log(`[weight-streaming] ${name} on ${gpu.adapterName}: ${a.length} buffers, ${bytes} bytes identical`);
    } finally {
      whole.destroy();
      pieces.destroy();
    }
  });
});
