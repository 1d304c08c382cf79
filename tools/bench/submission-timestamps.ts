/**
 * GPU timestamps around every queue submission, for a model runner that consults no
 * `passTimestamps` hook: while installed, each `queue.submit(buffers)` becomes
 * submit([begin, ...buffers, end]), where `begin` is an empty compute pass writing the start
 * timestamp and `end` one writing the end timestamp, so the interval covers all of that
 * submission's GPU work. Benchmark-only: it wraps the device's queue in place and adds two small
 * command buffers per submission.
 */
import type { PassTimestampRecorder } from '../../src/gpu/pass-timestamp-recorder.ts';

/** Starts bracketing submissions (recorded while `recorder.enabled`); returns the undo. */
export function timeSubmissions(device: GPUDevice, recorder: PassTimestampRecorder): () => void {
  const queue = device.queue;
  const submit = queue.submit;
  queue.submit = (buffers: Iterable<GPUCommandBuffer>): undefined => {
    const writes = recorder.writesFor('submission');
    if (writes === undefined) return submit.call(queue, buffers);
    const { querySet, beginningOfPassWriteIndex, endOfPassWriteIndex } = writes;
    if (beginningOfPassWriteIndex === undefined || endOfPassWriteIndex === undefined) throw new Error('the recorder gave no query pair');
    const begin = device.createCommandEncoder({ label: 'submissionTimestamps.begin' });
    begin.beginComputePass({ label: 'submissionTimestamps.begin', timestampWrites: { querySet, beginningOfPassWriteIndex } }).end();
    const end = device.createCommandEncoder({ label: 'submissionTimestamps.end' });
    end.beginComputePass({ label: 'submissionTimestamps.end', timestampWrites: { querySet, endOfPassWriteIndex } }).end();
    recorder.resolve(end);
    return submit.call(queue, [begin.finish(), ...buffers, end.finish()]);
  };
  return () => {
    queue.submit = submit;
  };
}
