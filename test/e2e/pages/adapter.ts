/**
 * e2e test page: gets an adapter and a device, runs a compute shader that doubles an array, and
 * publishes what it computed plus the adapter's identity on `window.adapterReport`.
 */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  maxStorageBufferBindingSize: number;
  input: number[];
  output: number[];
}

declare global {
  interface Window {
    adapterReport?: Promise<AdapterReport>;
  }
}

const shader = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> values: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&values)) {
    values[id.x] = values[id.x] * 2.0;
  }
}`;

async function run(): Promise<AdapterReport> {
  if (!('gpu' in navigator)) throw new Error('navigator.gpu is missing (not a secure context, or WebGPU disabled)');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() returned null');
  const device = await adapter.requestDevice();

  const input = Array.from({ length: 100 }, (_, i) => i - 20.5);
  const byteLength = input.length * 4;
  const storage = device.createBuffer({
    label: 'adapter-check.values',
    size: byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  const readback = device.createBuffer({
    label: 'adapter-check.readback',
    size: byteLength,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(storage, 0, new Float32Array(input));

  const pipeline = device.createComputePipeline({
    label: 'adapter-check.pipeline',
    layout: 'auto',
    compute: { module: device.createShaderModule({ label: 'adapter-check.shader', code: shader }), entryPoint: 'main' },
  });
  const bindGroup = device.createBindGroup({
    label: 'adapter-check.bindGroup',
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: storage } }],
  });
  const encoder = device.createCommandEncoder({ label: 'adapter-check.encoder' });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(input.length / 64));
  pass.end();
  encoder.copyBufferToBuffer(storage, 0, readback, 0, byteLength);
  device.queue.submit([encoder.finish()]);

  await readback.mapAsync(GPUMapMode.READ);
  const output = Array.from(new Float32Array(readback.getMappedRange()));
  readback.unmap();
  device.destroy();

  const { vendor, architecture, device: deviceName, description } = adapter.info;
  return {
    vendor,
    architecture,
    device: deviceName,
    description,
    features: [...adapter.features].sort(),
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    input,
    output,
  };
}

const report = run();
window.adapterReport = report;
const element = document.getElementById('report');
report.then(
  (value) => element && (element.textContent = JSON.stringify(value, null, 2)),
  (error: unknown) => element && (element.textContent = String(error)),
);
