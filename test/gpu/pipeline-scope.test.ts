/**
 * Pipeline handles (src/gpu/pipelines.ts): made outside a scope they are ready at once; made
 * inside deferPipelines they compile only on compile(), in either mode, and a kernel bound from
 * them dispatches correctly after it resolves (and refuses to encode before); scopes share the
 * per-device cache; a failed compile rejects naming the pipeline and is not kept. SwiGLU is the
 * kernel: each test uses its own INTERMEDIATE, so its pipeline is not in the cache yet.
 */
import { describe, expect, it } from 'vitest';
import swigluCode from '../../shaders/swiglu.wgsl?raw';
import { deferPipelines, getPipeline, type CompileMode, type KernelCall } from '../../src/gpu/kernel.ts';
import { SwiGluKernel } from '../../src/gpu/kernels/swiglu.ts';
import { siluRef } from '../support/cpu-reference.ts';
import { maxAbsDiff, readFloats, runCalls, stepUniforms, storageBuffer, testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';

const modes: readonly CompileMode[] = ['serial', 'parallel'];
const tokens = 3;
let nextWidth = 40;

/** A SwiGLU call on random rows, and a check of its output against the CPU. */
async function swigluCase(device: GPUDevice, width: number) {
  const random = new Random(width);
  const gateUp = random.floats(tokens * 2 * width, 4);
  const out = storageBuffer(device, tokens * width * 4);
  const counts = { tokens, sampleRows: 0 };
  const rows = { uniforms: stepUniforms(device, counts), count: 'tokens' as const };
  const input = storageBuffer(device, gateUp);
  return {
    bind: (kernel: SwiGluKernel) => kernel.bind(rows, input, out),
    check: async (call: KernelCall) => {
      await runCalls(device, [call], counts);
      const expected = Array.from({ length: tokens * width }, (_, i) => {
        const [t, c] = [Math.floor(i / width), i % width];
        return siluRef(gateUp[t * 2 * width + c]!) * gateUp[t * 2 * width + width + c]!;
      });
      expect(maxAbsDiff(await readFloats(device, out, tokens * width), expected)).toBeLessThan(2e-5);
    },
  };
}

/** Counts the device's pipeline creations, both calls. */
function countCompiles(device: GPUDevice): { count: () => number; stop: () => void } {
  let count = 0;
  const sync = device.createComputePipeline.bind(device);
  const async = device.createComputePipelineAsync.bind(device);
  device.createComputePipeline = (descriptor) => (count++, sync(descriptor));
  device.createComputePipelineAsync = (descriptor) => (count++, async(descriptor));
  return {
    count: () => count,
    stop: () => {
      Reflect.deleteProperty(device, 'createComputePipeline');
      Reflect.deleteProperty(device, 'createComputePipelineAsync');
    },
  };
}

describe('pipeline handles', () => {
  it('outside a scope a handle is ready at once and its kernel dispatches', async () => {
    const { device } = await testGpu();
    const width = nextWidth++;
    const handle = getPipeline(device, 'swiglu', swigluCode, { INTERMEDIATE: width });
    expect(handle.ready).toBe(true);
    const run = await swigluCase(device, width);
    await run.check(run.bind(new SwiGluKernel(device, width)));
  });

  it.each(modes)('in a scope (%s) pipelines compile on compile(), and the kernel runs once it resolves', async (mode) => {
    const { device } = await testGpu();
    const width = nextWidth++;
    const run = await swigluCase(device, width);
    const scope = deferPipelines(device, () => ({
      handle: getPipeline(device, 'swiglu', swigluCode, { INTERMEDIATE: width }),
      call: run.bind(new SwiGluKernel(device, width)),
    }));
    expect(scope.value.handle.ready).toBe(false);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    expect(() => scope.value.call.encode(pass, { tokens, sampleRows: 0 })).toThrow(/still compiling/);
    pass.end();
    const compiling = scope.compile(mode);
    expect(scope.compile(mode)).toBe(compiling);
    await compiling;
    expect(scope.value.handle.ready).toBe(true);
    await run.check(scope.value.call);
  });

  it('a handle a scope has not compiled yet is compiled at once when asked for outside one', async () => {
    const { device } = await testGpu();
    const width = nextWidth++;
    const run = await swigluCase(device, width);
    const scope = deferPipelines(device, () => run.bind(new SwiGluKernel(device, width)));
    const handle = getPipeline(device, 'swiglu', swigluCode, { INTERMEDIATE: width });
    expect(handle.ready).toBe(true);
    await scope.compile('parallel');
    await run.check(scope.value);
  });

  it('scopes share the cache: one compile for two scopes, none for a third after it is ready', async () => {
    const { device } = await testGpu();
    const width = nextWidth++;
    const compiles = countCompiles(device);
    try {
      const build = () => getPipeline(device, 'swiglu', swigluCode, { INTERMEDIATE: width });
      const first = deferPipelines(device, build);
      const second = deferPipelines(device, build);
      expect(second.value).toBe(first.value);
      await second.compile('parallel');
      await first.compile('serial');
      expect(compiles.count()).toBe(1);
      const third = deferPipelines(device, build);
      expect(third.value).toBe(first.value);
      await third.compile();
      expect(compiles.count()).toBe(1);
    } finally {
      compiles.stop();
    }
  });

  const faults = [
    { fault: 'a constant the shader does not declare', label: 'swiglu', code: swigluCode, extra: { NO_SUCH_CONSTANT: 1 } },
    { fault: 'a WGSL error', label: 'swigluBroken', code: `${swigluCode}\nfn broken( {`, extra: {} },
  ];
  for (const mode of modes) {
    it.each(faults)(`a failed compile ($fault, ${mode}) rejects naming the pipeline and is not kept`, async ({ label, code, extra }) => {
      const { device } = await testGpu();
      const constants = { INTERMEDIATE: nextWidth++, ...extra };
      const uncaptured: string[] = [];
      const listener = (event: Event) => uncaptured.push((event as GPUUncapturedErrorEvent).error.message);
      device.addEventListener('uncapturederror', listener);
      try {
        const scope = deferPipelines(device, () => getPipeline(device, label, code, constants));
        await expect(scope.compile(mode)).rejects.toThrow(`${label}.pipeline`);
        expect(scope.value.failed).toBe(true);
        const retry = deferPipelines(device, () => getPipeline(device, label, code, constants));
        expect(retry.value).not.toBe(scope.value);
        await expect(retry.compile(mode)).rejects.toThrow(`${label}.pipeline`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(uncaptured).toEqual([]);
      } finally {
        device.removeEventListener('uncapturederror', listener);
      }
    });
  }
});
