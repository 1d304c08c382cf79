/**
 * Child-process body of the load/dispose memory test: createEngine (in-process) → one chat →
 * dispose, `iterations` times on one model folder, printing one JSON line per iteration with the
 * resident set size after a full garbage collection (run with --expose-gc). It also watches the
 * devices the engines create (wrapping GPUAdapter.requestDevice) and reports whether each one was
 * destroyed on dispose and whether a later engine got it again.
 *
 * Usage: node --expose-gc --import tsx --import ./tools/register-wgsl.mjs test/support/load-dispose-loop.ts <model folder> <iterations>
 */
import { readFileSync } from 'node:fs';
import { createEngine } from '../../src/api/create-engine.ts';
import { requestNodeAdapter } from '../../src/gpu/node-gpu.ts';

const [folder, count = '20'] = process.argv.slice(2);
if (folder === undefined) throw new Error('usage: load-dispose-loop.ts <model folder> <iterations>');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

// Every Dawn adapter shares one prototype: wrapping it there sees the engine's own devices.
const adapter = await requestNodeAdapter('default', 'high-performance');
if (adapter === null) throw new Error('no WebGPU adapter');
let reusedDevices = 0;
const prototype = Object.getPrototypeOf(adapter) as { requestDevice: GPUAdapter['requestDevice'] };
const requestDevice = prototype.requestDevice;
// Weak references only: holding a destroyed device keeps its native memory alive.
const devices: { device: WeakRef<GPUDevice>; lost: string | undefined }[] = [];
/** Every buffer an engine's device made, by label and size, and whether it was destroyed itself. */
interface BufferRecord { readonly device: number; readonly label: string; readonly size: number; destroyed: boolean }
const buffers: BufferRecord[] = [];
const recordOf = new WeakMap<GPUBuffer, BufferRecord>();
function watchBuffers(device: GPUDevice, index: number): void {
  const create = device.createBuffer;
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const buffer = create.call(device, descriptor);
    const record: BufferRecord = { device: index, label: descriptor.label ?? '', size: descriptor.size, destroyed: false };
    buffers.push(record);
    recordOf.set(buffer, record);
    const destroy = buffer.destroy;
    buffer.destroy = () => {
      record.destroyed = true;
      destroy.call(buffer);
    };
    return buffer;
  };
}

prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
  const device = await requestDevice.call(this, descriptor);
  watchBuffers(device, devices.length);
  const entry = { device: new WeakRef(device), lost: undefined as string | undefined };
  // Another engine handed a device an earlier one had (and destroyed) would be a bug.
  if (devices.some((earlier) => earlier.device.deref() === device)) reusedDevices++;
  devices.push(entry);
  void device.lost.then((info) => (entry.lost = info.reason));
  return device;
};

const settle = async () => {
  // Let Dawn run its callbacks (device lost) and the grammar thread exit, collecting between waits
  // so finalizers run and what they free is collected too.
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 60));
    gc();
  }
};

for (let iteration = 1; iteration <= Number(count); iteration++) {
  const engine = await createEngine({ model: folder, worker: false });
  const reply = await engine.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, temperature: 0 });
  const device = devices.at(-1);
  await engine.dispose();
  await settle();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  console.log(JSON.stringify({
    iteration,
    rss,
    heapUsed,
    external,
    arrayBuffers,
    adapter: engine.info.adapterName,
    completionTokens: reply.usage?.completion_tokens,
    threads: Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf-8'))?.[1] ?? 0),
    devices: devices.length,
    lastDeviceLost: device?.lost ?? null,
    reusedDevices,
    // Buffers of this iteration's device that its dispose left to the device's destruction.
    buffersCreated: buffers.filter((record) => record.device === devices.length - 1).length,
    undestroyedBuffers: buffers.filter((record) => record.device === devices.length - 1 && !record.destroyed).map((record) => `${record.label}:${record.size}`),
  }));
}
