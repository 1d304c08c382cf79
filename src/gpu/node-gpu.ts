/**
 * Node's WebGPU: Dawn from the `webgpu` package. With no hardware adapter, Vulkan is pointed at
 * Chromium's SwiftShader ICD (Debian's chromium package ships it), so tests, CLI and benchmarks
 * run on any Linux machine. Imported dynamically so browser bundles never reference it.
 */
const swiftShaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

export type NodeBackend = 'default' | 'null';

/**
 * Dawn instances must outlive their devices: a collected instance leaves its event processing
 * pointing at freed memory (a crash on a later mapAsync). So every instance made is kept.
 */
const liveInstances: GPU[] = [];

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

async function importDawn(): Promise<DawnModule> {
  const name = 'webgpu';
  return (await import(/* @vite-ignore */ name)) as DawnModule;
}

function createInstance(dawn: DawnModule, options: string[]): GPU {
  const instance = dawn.create(options);
  liveInstances.push(instance);
  return instance;
}

/**
 * The instance each backend's adapters come from, chosen on first use. A new instance per load
 * would be one more that lives forever (see above): each holds its own Vulkan instance.
 */
const chosenInstances = new Map<NodeBackend, GPU>();

/** Returns an adapter (a fresh one each call: a device consumes its adapter): hardware first, then SwiftShader. */
export async function requestNodeAdapter(
  backend: NodeBackend,
  powerPreference: GPUPowerPreference,
): Promise<GPUAdapter | null> {
  const chosen = chosenInstances.get(backend);
  if (chosen !== undefined) return chosen.requestAdapter(backend === 'null' ? {} : { powerPreference });
  const dawn = await importDawn();
  Object.assign(globalThis, dawn.globals);
  const choose = (instance: GPU, adapter: GPUAdapter | null) => {
    if (adapter !== null) chosenInstances.set(backend, instance);
    return adapter;
  };
  if (backend === 'null') {
    const instance = createInstance(dawn, ['backend=null']);
    return choose(instance, await instance.requestAdapter());
  }
  const first = createInstance(dawn, []);
  const adapter = await first.requestAdapter({ powerPreference });
  if (adapter !== null && !isSoftwareAdapter(adapter.info)) return choose(first, adapter);
  const { existsSync } = await import('node:fs');
  if (process.env['VK_ICD_FILENAMES'] === undefined && existsSync(swiftShaderIcd)) {
    // The Vulkan loader reads this variable when Dawn creates its next instance.
    process.env['VK_ICD_FILENAMES'] = swiftShaderIcd;
    const second = createInstance(dawn, []);
    const software = await second.requestAdapter({ powerPreference });
    if (software !== null) return choose(second, software);
  }
  return choose(first, adapter);
}

export function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|warp/.test(text);
}
