/** Wall-clock timing of GPU work: repeat in one submission, wait for completion, divide. */
import copyCode from '../../shaders/copy.wgsl?raw';
import { awaitGpu } from '../../src/gpu/await-gpu.ts';
import { bindGroup, ceilDiv, flatGrid, getPipeline, type KernelCall, type RowCounts } from '../../src/gpu/kernel.ts';

export async function timeCall(device: GPUDevice, call: KernelCall, counts: RowCounts, repeats: number): Promise<number> {
  const run = async (times: number) => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let i = 0; i < times; i++) call.encode(pass, counts);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await awaitGpu(device.queue.onSubmittedWorkDone());
  };
  await run(1);
  const start = performance.now();
  await run(repeats);
  return (performance.now() - start) / 1000 / repeats;
}

/** GB/s of a plain copy kernel over `megabytes`, counting bytes read plus bytes written. */
export async function measureCopyBandwidth(device: GPUDevice, megabytes: number): Promise<number> {
  const bytes = Math.min(megabytes * 1024 * 1024, device.limits.maxStorageBufferBindingSize);
  const words = bytes / 16;
  const usage = GPUBufferUsage.STORAGE;
  const src = device.createBuffer({ label: 'copy.src', size: bytes, usage });
  const dst = device.createBuffer({ label: 'copy.dst', size: bytes, usage });
  const pipeline = getPipeline(device, 'copy', copyCode, { WORDS: words });
  const binding = bindGroup(device, 'copy', pipeline, [src, dst]);
  const grid = flatGrid(ceilDiv(words, 256), device.limits.maxComputeWorkgroupsPerDimension);
  const call: KernelCall = {
    label: 'copy',
    encode(pass) {
      binding.set(pass);
      pass.dispatchWorkgroups(...grid);
    },
  };
  const seconds = await timeCall(device, call, { tokens: 0, sampleRows: 0 }, 5);
  src.destroy();
  dst.destroy();
  return (2 * bytes) / seconds / 1e9;
}
