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

/** Returns a GPU entry point and an adapter: hardware first, then SwiftShader. */
export async function requestNodeAdapter(
  backend: NodeBackend,
  powerPreference: GPUPowerPreference,
): Promise<GPUAdapter | null> {
  const dawn = await importDawn();
  Object.assign(globalThis, dawn.globals);
  if (backend === 'null') return createInstance(dawn, ['backend=null']).requestAdapter();
  const adapter = await createInstance(dawn, []).requestAdapter({ powerPreference });
  if (adapter !== null && !isSoftwareAdapter(adapter.info)) return adapter;
  const { existsSync } = await import('node:fs');
  if (process.env['VK_ICD_FILENAMES'] === undefined && existsSync(swiftShaderIcd)) {
    // The Vulkan loader reads this variable when Dawn creates its next instance.
    process.env['VK_ICD_FILENAMES'] = swiftShaderIcd;
    return (await createInstance(dawn, []).requestAdapter({ powerPreference })) ?? adapter;
  }
  return adapter;
}

export function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|warp/.test(text);
}
