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

function inBrowser(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator && navigator.gpu !== undefined;
}

export async function getDevice(options: GetDeviceOptions = {}): Promise<GpuContext> {
  const powerPreference = options.powerPreference ?? 'high-performance';
  const adapter = inBrowser()
    ? await navigator.gpu.requestAdapter({ powerPreference })
    : typeof process !== 'undefined' && process.versions?.node !== undefined
      ? await requestNodeAdapter(options.nodeBackend ?? 'default', powerPreference)
      : null;
  if (adapter === null) {
    throw new LlmError(
      'webgpu_unavailable',
      'No WebGPU adapter: this browser has no WebGPU (or it is disabled), or in Node no Vulkan driver ' +
        'was found (install Debian packages chromium and libvulkan1 for the SwiftShader fallback).',
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of limitNames) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = wantedFeatures.filter((feature) => adapter.features.has(feature));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'llm.device' });
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
