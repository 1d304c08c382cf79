/**
 * One way to get a WebGPU device, in a browser (navigator.gpu) and in Node (Dawn). It asks for the
 * adapter's real limits (the 128 MiB default binding limit is too small for real embeddings) and
 * the optional features the kernels can use, and says which adapter it chose.
 */
import { LlmError } from '../errors.ts';
import { isSoftwareAdapter, requestNodeAdapter, type NodeBackend } from './node-gpu.ts';

export interface GpuContext {
  readonly device: GPUDevice;
  /** Human-readable adapter name, printed by every test tier and benchmark. */
  readonly adapterName: string;
  readonly adapterInfo: { vendor: string; architecture: string; device: string; description: string };
  readonly isSoftware: boolean;
  readonly features: ReadonlySet<string>;
  readonly limits: GPUSupportedLimits;
}

export interface GetDeviceOptions {
  readonly powerPreference?: GPUPowerPreference;
  /** Node only: 'null' gives Dawn's null backend, which encodes but executes nothing. */
  readonly nodeBackend?: NodeBackend;
}

const limitNames = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
] as const;

const wantedFeatures: GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];

function isNode(): boolean {
  return typeof process !== 'undefined' && process.versions?.node !== undefined;
}

/** Why there is no adapter, in words a page can show. */
function noWebGpu(reason: string): LlmError {
  return new LlmError('webgpu_unavailable', reason);
}

async function requestAdapter(options: GetDeviceOptions, powerPreference: GPUPowerPreference): Promise<GPUAdapter> {
  const gpu = typeof navigator === 'undefined' ? undefined : (navigator as { gpu?: GPU }).gpu;
  if (gpu === undefined && isNode()) {
    const adapter = await requestNodeAdapter(options.nodeBackend ?? 'default', powerPreference);
    if (adapter === null) {
      throw noWebGpu('No WebGPU adapter in Node: no Vulkan driver was found (install Debian packages chromium and libvulkan1 for the SwiftShader fallback).');
    }
    return adapter;
  }
  if (gpu === undefined) {
    const insecure = (globalThis as { isSecureContext?: boolean }).isSecureContext === false;
    throw noWebGpu(
      insecure
        ? 'This page has no WebGPU: navigator.gpu exists only in secure contexts (https:// or http://localhost).'
        : 'This browser has no WebGPU (navigator.gpu is missing): it is not supported or is disabled. Try a recent Chrome or Edge.',
    );
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference });
  } catch (error) {
    throw noWebGpu(`WebGPU could not give an adapter: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (adapter === null) {
    throw noWebGpu('WebGPU is present but offers no adapter: the GPU may be blocklisted or hardware acceleration disabled.');
  }
  return adapter;
}

export async function getDevice(options: GetDeviceOptions = {}): Promise<GpuContext> {
  const adapter = await requestAdapter(options, options.powerPreference ?? 'high-performance');
  const requiredLimits: Record<string, number> = {};
  for (const name of limitNames) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = wantedFeatures.filter((feature) => adapter.features.has(feature));
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'llm.device' });
  } catch (error) {
    throw new LlmError('adapter_insufficient', `the adapter refused a device with its own limits: ${error instanceof Error ? error.message : String(error)}`);
  }
  const info = adapter.info;
  const adapterInfo = {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
  };
  return {
    device,
    adapterName: describeAdapter(adapterInfo, options.nodeBackend),
    adapterInfo,
    isSoftware: isSoftwareAdapter(info),
    features: new Set(device.features),
    limits: device.limits,
  };
}

function describeAdapter(info: GpuContext['adapterInfo'], backend: NodeBackend | undefined): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part) => part !== '');
  const name = [...new Set(parts)].join(' / ');
  if (backend === 'null') return `Dawn null backend${name === '' ? '' : ` (${name})`}`;
  return name === '' ? 'unknown adapter' : name;
}
