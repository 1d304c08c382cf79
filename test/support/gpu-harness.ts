/**
 * Shared set-up for GPU tests in Node: one device per test file (printing the adapter it runs
 * on), buffers from typed arrays, and running kernel calls in one submission with a readback.
 */
import { awaitGpu } from '../../src/gpu/await-gpu.ts';
import { getDevice, type GpuContext } from '../../src/gpu/device.ts';
import { StepUniforms, type KernelCall, type RowCounts } from '../../src/gpu/kernel.ts';

let context: Promise<GpuContext> | undefined;
/** Errors raised outside an error scope (e.g. while building pipelines), reported by runCalls. */
const uncaptured: string[] = [];

export function testGpu(): Promise<GpuContext> {
  context ??= getDevice().then((gpu) => {
    console.log(`[webgpu] adapter: ${gpu.adapterName}`);
    gpu.device.addEventListener('uncapturederror', (event) => uncaptured.push((event as GPUUncapturedErrorEvent).error.message));
    return gpu;
  });
  return context;
}

const storageUsage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export function storageBuffer(device: GPUDevice, data: ArrayBufferView | number, label = 'test'): GPUBuffer {
  const byteLength = typeof data === 'number' ? data : data.byteLength;
  const buffer = device.createBuffer({ label, size: Math.max(16, Math.ceil(byteLength / 16) * 16), usage: storageUsage() });
  if (typeof data !== 'number') device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, byteLength = buffer.size): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size: byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, byteLength);
  device.queue.submit([encoder.finish()]);
  await awaitGpu(staging.mapAsync(GPUMapMode.READ));
  const copy = staging.getMappedRange().slice(0);
  staging.destroy();
  return copy;
}

export async function readFloats(device: GPUDevice, buffer: GPUBuffer, length: number): Promise<Float32Array> {
  return new Float32Array(await readBuffer(device, buffer, Math.ceil((length * 4) / 4) * 4));
}

export function stepUniforms(device: GPUDevice, counts: RowCounts): StepUniforms {
  const uniforms = new StepUniforms(device);
  uniforms.write(counts);
  return uniforms;
}

/** Encodes the calls into one compute pass and submits; fails the test on any validation error. */
export async function runCalls(device: GPUDevice, calls: readonly KernelCall[], counts: RowCounts): Promise<void> {
  device.pushErrorScope('validation');
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (const call of calls) call.encode(pass, counts);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const error = await awaitGpu(device.popErrorScope());
  if (error !== null) uncaptured.push(error.message);
  if (uncaptured.length > 0) throw new Error(`GPU validation error: ${uncaptured.splice(0).join('; ')}`);
}

/** Largest |a − b| over two arrays of equal length. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs((actual[i] as number) - (expected[i] as number));
    worst = Number.isNaN(diff) ? Infinity : Math.max(worst, diff);
  }
  return worst;
}
