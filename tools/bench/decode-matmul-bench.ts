/**
 * The decode matmul kernels alone at Qwen2.5-0.5B layer shapes (f16 and 4-bit group-32 weights,
 * folded norm, bias and residual as the forward pass binds them), a few rows: each variant's time
 * per dispatch and GB/s — the decode kernel with subgroup sums, the same kernel with
 * workgroup-memory sums, and the block kernel CPU adapters use — and the subgroup / workgroup
 * time ratio. The decode path is forced, so the decode kernels run on CPU adapters too.
 *   npx tsx --import ./tools/register-wgsl.mjs tools/bench/decode-matmul-bench.ts
 *     [--rows 1] [--layers qkv,o,gateUp,down] [--formats f16,q4] [--repeats N] [--rounds R]
 * On software adapters the default layers are qkv and o: the others take seconds a dispatch there.
 */
import { parseArgs } from 'node:util';
import { getDevice } from '../../src/gpu/device.ts';
import { StepUniforms } from '../../src/gpu/kernel.ts';
import { bindLinear, type DecodeKernel } from '../../src/gpu/kernels/linear.ts';
import { createPackedMatrix, createPackedVector, rowVec4, type PackedMatrix } from '../../src/gpu/packed-weights.ts';
import { createQ4Matrix, type Q4Matrix } from '../../src/gpu/q4-weights.ts';
import { timeCall } from './gpu-timing.ts';
import { qwen25_05b } from './random-model.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1' },
    layers: { type: 'string' },
    formats: { type: 'string', default: 'f16,q4' },
    repeats: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});

interface Layer {
  readonly n: number;
  readonly k: number;
  readonly norm: boolean;
  readonly bias: boolean;
  readonly accumulate: boolean;
}

const { hiddenSize: hidden, intermediateSize: intermediate, numHeads, numKvHeads, headDim } = qwen25_05b;
const layers: Record<string, Layer> = {
  qkv: { n: (numHeads + 2 * numKvHeads) * headDim, k: hidden, norm: true, bias: true, accumulate: false },
  o: { n: hidden, k: numHeads * headDim, norm: false, bias: false, accumulate: true },
  gateUp: { n: 2 * intermediate, k: hidden, norm: true, bias: false, accumulate: false },
  down: { n: hidden, k: intermediate, norm: false, bias: false, accumulate: true },
};
const groupSize = 32;

const gpu = await getDevice();
const device = gpu.device;
const rows = Number(values.rows);
const repeats = Number(values.repeats ?? (gpu.isSoftware ? 2 : 50));
const rounds = Number(values.rounds);
const layerNames = (values.layers ?? (gpu.isSoftware ? 'qkv,o' : 'qkv,o,gateUp,down')).split(',');
const variants: Record<string, DecodeKernel> = {
  ...(gpu.features.has('subgroups') ? { subgroups: { lanes: 32, subgroups: true } } : {}),
  workgroup: { lanes: 32, subgroups: false },
  blocks: { lanes: 1, subgroups: false },
};
console.log(`adapter: ${gpu.adapterName}${gpu.isSoftware ? ' (software)' : ''}; ${rows} row(s), median of ${rounds} rounds of ${repeats} dispatches`);

const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
const buffer = (bytes: number) => device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage });

/** Weights are left zero: no kernel's time depends on the values. */
function weights(format: string, { n, k }: Layer): { matrix: PackedMatrix | Q4Matrix; bytes: number } {
  if (format === 'f16') return { matrix: createPackedMatrix(device, n, k, 'w'), bytes: n * rowVec4(k) * 16 };
  const matrix = createQ4Matrix(device, n, k, groupSize, 'w');
  return { matrix, bytes: n * (matrix.qweightWords + matrix.scaleWords + matrix.zeroWords) * 4 };
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

console.log('format layer    (N × K)         ' + Object.keys(variants).map((name) => `${name} µs`.padStart(14) + 'GB/s'.padStart(10)).join('') + '   subgroups / workgroup');
for (const format of values.formats.split(',')) {
  for (const name of layerNames) {
    const layer = layers[name]!;
    const { matrix, bytes: weightBytes } = weights(format, layer);
    // Weights, x, y (read too with accumulate), bias and norm weight: what the kernel must move.
    const bytes = weightBytes + rows * (layer.k + layer.n * (layer.accumulate ? 2 : 1)) * 4 + (layer.bias ? layer.n * 2 : 0) + (layer.norm ? layer.k * 2 : 0);
    const uniforms = new StepUniforms(device);
    uniforms.write({ tokens: rows, sampleRows: 0 });
    const source = { uniforms, count: 'tokens' as const };
    const linear = {
      x: buffer(rows * layer.k * 4),
      weight: matrix,
      y: buffer(rows * layer.n * 4),
      bias: layer.bias ? createPackedVector(device, [new Uint16Array(layer.n)], 'bias') : undefined,
      accumulate: layer.accumulate,
      norm: layer.norm ? { weight: createPackedVector(device, [new Uint16Array(layer.k)], 'norm'), eps: 1e-6, scratch: buffer(rows * layer.k * 4) } : undefined,
    };
    const calls = Object.entries(variants).map(([variant, kernel]) => [variant, bindLinear(device, source, linear, `${name}.${variant}`, kernel)] as const);
    const samples = new Map<string, number[]>(calls.map(([variant]) => [variant, []]));
    // Rounds interleave the variants, so a busy spell on a shared machine hits them alike.
    for (let round = 0; round < rounds; round++) {
      for (const [variant, call] of calls) samples.get(variant)!.push(await timeCall(device, call, { tokens: rows, sampleRows: 0 }, repeats));
    }
    const seconds = new Map([...samples].map(([variant, times]) => [variant, median(times)]));
    const cells = [...seconds.values()].map((s) => (s * 1e6).toFixed(0).padStart(14) + (bytes / s / 1e9).toPrecision(3).padStart(10)).join('');
    const ratio = seconds.has('subgroups') ? (seconds.get('subgroups')! / seconds.get('workgroup')!).toFixed(2) : 'n/a';
    console.log(`${format.padEnd(6)} ${name.padEnd(8)} (${layer.n} × ${layer.k})`.padEnd(32) + cells + ratio.padStart(14));
  }
}
process.exit(0);
