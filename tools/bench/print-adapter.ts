/**
 * Prints, as one JSON line, the adapter Dawn picks here the way every test and benchmark picks it
 * (src/gpu/device.ts: hardware first, SwiftShader when there is none) and whether it is a
 * software adapter; exits 2 on a software adapter when run with --require-hardware.
 */
import { getDevice } from '../../src/gpu/device.ts';

const gpu = await getDevice();
console.log(JSON.stringify({
  adapter: gpu.adapterName,
  software: gpu.isSoftware,
  info: gpu.adapterInfo,
  features: [...gpu.features].sort(),
  vk_icd_filenames: process.env['VK_ICD_FILENAMES'] ?? null,
}));
gpu.device.destroy();
process.exit(gpu.isSoftware && process.argv.includes('--require-hardware') ? 2 : 0);
