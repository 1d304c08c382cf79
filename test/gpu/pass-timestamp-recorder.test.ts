/**
 * PassTimestampRecorder (src/gpu/pass-timestamp-recorder.ts) on the real device: every timed pass
 * comes back once, in order, with begin ≤ end, across command buffers and a wrap of its query
 * ring; disabled, full, or with the ring's room taken by one buffer it leaves passes untimed.
 * And the bench's submission bracketing (tools/bench/submission-timestamps.ts): one interval per
 * submission, in order, and the queue as it was once undone.
 * Skipped on an adapter without 'timestamp-query'.
 */
import { describe, expect, it } from 'vitest';
import { PassTimestampRecorder } from '../../src/gpu/pass-timestamp-recorder.ts';
import type { StepPassKind } from '../../src/gpu/pass-timestamps.ts';
import { timeSubmissions } from '../../tools/bench/submission-timestamps.ts';
import { testGpu } from '../support/gpu-harness.ts';

const gpu = await testGpu();
const supported = PassTimestampRecorder.supported(gpu.device);

/** One command buffer of empty compute passes, timed through the recorder as a runner would. */
function submitPasses(recorder: PassTimestampRecorder, kinds: readonly StepPassKind[]): boolean[] {
  const { device } = gpu;
  const encoder = device.createCommandEncoder({ label: 'test.passes' });
  const timed = kinds.map((kind) => {
    const timestampWrites = recorder.writesFor(kind);
    encoder.beginComputePass({ label: `test.${kind}`, ...(timestampWrites === undefined ? {} : { timestampWrites }) }).end();
    return timestampWrites !== undefined;
  });
  recorder.resolve(encoder);
  device.queue.submit([encoder.finish()]);
  return timed;
}

describe.skipIf(!supported)(`pass timestamp recorder on ${gpu.adapterName}`, () => {
  it('returns every timed pass in order, across command buffers and a ring wrap', async () => {
    // A ring of 6 queries (3 passes): the second buffer's second pass wraps to query 0.
    const recorder = new PassTimestampRecorder(gpu.device, 16, 6);
    expect(submitPasses(recorder, ['forward'])).toEqual([false]); // not enabled yet
    recorder.enabled = true;
    const kinds: StepPassKind[][] = [['forward', 'sample'], ['forward', 'sample'], ['forward', 'sample']];
    for (const buffer of kinds) expect(submitPasses(recorder, buffer)).toEqual([true, true]);
    const passes = await recorder.read();
    expect(passes.map((pass) => pass.kind)).toEqual(kinds.flat());
    expect(passes.map((pass) => pass.commandBuffer)).toEqual([0, 0, 1, 1, 2, 2]);
    for (const [i, pass] of passes.entries()) {
      expect(pass.beginNs).toBeGreaterThan(0);
      expect(pass.endNs).toBeGreaterThanOrEqual(pass.beginNs);
      if (i > 0) expect(pass.beginNs).toBeGreaterThanOrEqual(passes[i - 1]!.beginNs);
    }
    recorder.clear();
    expect(await recorder.read()).toEqual([]);
    recorder.destroy();
  });

  it('leaves passes untimed past its capacity or when one buffer would lap the ring', async () => {
    const full = new PassTimestampRecorder(gpu.device, 3);
    full.enabled = true;
    expect(submitPasses(full, ['forward', 'sample', 'forward', 'sample'])).toEqual([true, true, true, false]);
    expect((await full.read()).length).toBe(3);
    full.destroy();
    const small = new PassTimestampRecorder(gpu.device, 16, 4);
    small.enabled = true;
    expect(submitPasses(small, ['forward', 'sample', 'forward'])).toEqual([true, true, false]);
    expect((await small.read()).length).toBe(2);
    small.destroy();
  });

  it('brackets each queue submission while installed', async () => {
    const { device } = gpu;
    const recorder = new PassTimestampRecorder(device);
    const submit = device.queue.submit;
    const undo = timeSubmissions(device, recorder);
    const submitEmpty = () => device.queue.submit([device.createCommandEncoder().finish()]);
    submitEmpty(); // not enabled: passes through untimed
    recorder.enabled = true;
    submitEmpty();
    submitEmpty();
    recorder.enabled = false;
    undo();
    expect(device.queue.submit).toBe(submit);
    const passes = await recorder.read();
    expect(passes.map((pass) => pass.kind)).toEqual(['submission', 'submission']);
    expect(passes[0]!.endNs).toBeGreaterThanOrEqual(passes[0]!.beginNs);
    expect(passes[1]!.beginNs).toBeGreaterThanOrEqual(passes[0]!.endNs);
    recorder.destroy();
  });
});
