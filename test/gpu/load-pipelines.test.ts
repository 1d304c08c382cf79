/**
 * loadModel's pipelines (deferred during allocation, compiled while the weights stream): a compile
 * that fails (a constant the shader does not declare, or a WGSL error, in the rope kernel) rejects
 * the load with adapter_insufficient naming the pipeline, in both compile modes, and leaves no
 * buffer undestroyed and no error uncaptured; the same device then loads and runs the model, and a
 * second load on it compiles nothing. A load resolves only once its pipelines are ready, however
 * long they take. Each case takes a fresh device, so no pipeline is cached.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors.ts';
import { generate } from '../../src/engine/generate.ts';
import { getDevice, type GpuContext } from '../../src/gpu/device.ts';
import { setCompileMode, type CompileMode } from '../../src/gpu/pipelines.ts';
import { loadModel } from '../../src/model/load-model.ts';

const folder = fileURLToPath(new URL('../fixtures/qwen2-bf16/', import.meta.url));

type Fault = 'a constant the shader does not declare' | 'a WGSL error';

/** Breaks the rope kernel's pipeline on this device until the returned function is called. */
function breakRope(device: GPUDevice, fault: Fault): () => void {
  if (fault === 'a WGSL error') {
    const create = device.createShaderModule.bind(device);
    device.createShaderModule = (d) => create(d.label === 'rope.module' ? { ...d, code: `${d.code}\nfn broken( {` } : d);
    return () => Reflect.deleteProperty(device, 'createShaderModule');
  }
  const inject = (d: GPUComputePipelineDescriptor): GPUComputePipelineDescriptor =>
    d.label === 'rope.pipeline' ? { ...d, compute: { ...d.compute, constants: { ...d.compute.constants, NO_SUCH_CONSTANT: 1 } } } : d;
  const sync = device.createComputePipeline.bind(device);
  const async = device.createComputePipelineAsync.bind(device);
  device.createComputePipeline = (d) => sync(inject(d));
  device.createComputePipelineAsync = (d) => async(inject(d));
  return () => {
    Reflect.deleteProperty(device, 'createComputePipeline');
    Reflect.deleteProperty(device, 'createComputePipelineAsync');
  };
}

/** Buffers made on the device from now on, with whether each was destroyed. */
function watchBuffers(device: GPUDevice): { label: string; destroyed: boolean }[] {
  const records: { label: string; destroyed: boolean }[] = [];
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor) => {
    const buffer = create(descriptor);
    const record = { label: descriptor.label ?? '', destroyed: false };
    records.push(record);
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => ((record.destroyed = true), destroy());
    return buffer;
  };
  return records;
}

function countCompiles(device: GPUDevice): () => number {
  let count = 0;
  const sync = device.createComputePipeline.bind(device);
  const async = device.createComputePipelineAsync.bind(device);
  device.createComputePipeline = (d) => (count++, sync(d));
  device.createComputePipelineAsync = (d) => (count++, async(d));
  return () => count;
}

async function golden(): Promise<{ prompt_ids: number[]; greedy_ids: number[] }> {
  return JSON.parse(await readFile(`${folder}golden.json`, 'utf8')) as { prompt_ids: number[]; greedy_ids: number[] };
}

const devices: GpuContext[] = [];
afterEach(() => {
  setCompileMode(undefined);
  for (const gpu of devices.splice(0)) gpu.device.destroy();
});

describe('a pipeline that fails to compile fails the load', () => {
  const cases = (['serial', 'parallel'] as const).flatMap((mode: CompileMode) =>
    (['a constant the shader does not declare', 'a WGSL error'] as const).map((fault) => ({ mode, fault })));

  it.each(cases)('$fault ($mode): adapter_insufficient naming the pipeline, nothing left allocated, the device loads after', async ({ mode, fault }) => {
    setCompileMode(mode);
    const gpu = await getDevice();
    devices.push(gpu);
    const { device } = gpu;
    const uncaptured: string[] = [];
    device.addEventListener('uncapturederror', (event) => uncaptured.push((event as GPUUncapturedErrorEvent).error.message));
    const buffers = watchBuffers(device);
    const repair = breakRope(device, fault);
    const error = await loadModel(gpu, folder).then(
      (model) => {
        model.dispose();
        throw new Error('the load succeeded');
      },
      (reason: unknown) => reason,
    );
    repair();
    console.log(`[load-pipelines] ${mode}, ${fault}: ${JSON.stringify(error)}`);
    expect(isLlmError(error, 'adapter_insufficient'), String(error)).toBe(true);
    expect((error as Error).message).toContain('rope.pipeline');
    expect(buffers.length).toBeGreaterThan(10);
    expect(buffers.filter((buffer) => !buffer.destroyed).map((buffer) => buffer.label)).toEqual([]);

    // The failed pipeline was not kept: the same device compiles it again, and runs the model.
    const expected = await golden();
    const model = await loadModel(gpu, folder);
    try {
      const result = await generate(model, { promptIds: expected.prompt_ids, maxTokens: 2, ignoreEos: true });
      expect(result.completionIds).toEqual(expected.greedy_ids.slice(0, 2));
    } finally {
      model.dispose();
    }
    // A second load on the device finds every pipeline ready.
    const compiles = countCompiles(device);
    (await loadModel(gpu, folder)).dispose();
    expect(compiles()).toBe(0);
    expect(uncaptured).toEqual([]);
  });
});

it('a load resolves only once its pipelines are ready, even when they finish after the weights', async () => {
  setCompileMode('parallel');
  const gpu = await getDevice();
  devices.push(gpu);
  const { device } = gpu;
  const async = device.createComputePipelineAsync.bind(device);
  let compiled = 0;
  device.createComputePipelineAsync = async (d) => {
    const pipeline = await async(d);
    await new Promise((resolve) => setTimeout(resolve, 500));
    compiled++;
    return pipeline;
  };
  const model = await loadModel(gpu, folder);
  try {
    expect(compiled).toBeGreaterThan(5);
    const expected = await golden();
    const result = await generate(model, { promptIds: expected.prompt_ids, maxTokens: 1, ignoreEos: true });
    expect(result.completionIds).toEqual(expected.greedy_ids.slice(0, 1));
  } finally {
    model.dispose();
  }
});
