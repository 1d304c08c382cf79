/**
 * `npm run bench`: a decode step at real Qwen2.5-0.5B shapes (random weights) on whatever adapter
 * is present — each kernel's achieved GB/s (matmuls also as a fraction of the adapter's copy
 * bandwidth), decode tokens/s, prefill tokens/s of one prompt chunk (--prefill-tokens, default 512,
 * 32 on CPU adapters), and the CPU time to encode one decode step on Dawn's null backend.
 * Then the engine-level report (engine-report.ts): batch-1 decode through the step loop with greedy
 * and default sampling at 128 and 4,096 tokens of context, the sampler's share of a step, the
 * GPU-idle share between steps and the CPU time per step; with --concurrency 1,4,8,16 also the
 * engine serving that many streams at once. On a software adapter the engine-level part runs a
 * reduced body under the real vocabulary (bench-shape.ts).
 * First: weights/KV memory and bytes per decode step for Qwen2.5-0.5B and 1.5B shapes at f16 and
 * 4-bit, decode tok/s and roofline share on a GPU (memory-bench.ts). --memory-only: only that.
 * --json: that, the engine-level report and 1/4/8/16 streams as ONE JSON object on stdout (the
 * tables go to stderr); --memory-only --json: the memory part alone.
 */
import { parseArgs } from 'node:util';
import { getDevice, type GpuContext } from '../../src/gpu/device.ts';
import { KvCache } from '../../src/model/kv-cache.ts';
import { ModelRunner } from '../../src/model/model-runner.ts';
import type { StepBatch } from '../../src/model/step-batch.ts';
import { benchShape } from './bench-shape.ts';
import { benchConcurrency } from './concurrency-bench.ts';
import { engineReport } from './engine-report.ts';
import { measureCopyBandwidth, timeCall } from './gpu-timing.ts';
import { memoryRows, printMemoryRows, q4GroupSize } from './memory-bench.ts';
import { kernelBytes } from './kernel-bytes.ts';
import { createRandomWeights, qwen25_05b } from './random-model.ts';
import { kernelTarget } from '../../src/gpu/kernel-target.ts';

const { values } = parseArgs({
  options: {
    tokens: { type: 'string' },
    context: { type: 'string', default: '256' },
    'encode-only': { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    'decode-tokens': { type: 'string' },
    'prompt-tokens': { type: 'string', default: '32' },
    'prefix-tokens': { type: 'string', default: '1000' },
    'skip-kernels': { type: 'boolean', default: false },
    'prefill-tokens': { type: 'string' },
    json: { type: 'boolean', default: false },
    'memory-only': { type: 'boolean', default: false },
    'memory-context': { type: 'string', default: '1024' },
    // Time decode at the 0.5B/1.5B shapes even on a software adapter (minutes per token there).
    'force-decode': { type: 'boolean', default: false },
    // The engine-level report: timed decode steps per run, the two contexts, the model shape.
    'engine-tokens': { type: 'string' },
    'decode-context': { type: 'string', default: '128' },
    'long-context': { type: 'string', default: '4096' },
    shape: { type: 'string', default: 'auto' },
    'skip-engine': { type: 'boolean', default: false },
    // Fewer tokens, no long context, 1 and 8 streams only: a smoke run of every figure.
    quick: { type: 'boolean', default: false },
  },
});
const shapeKinds = ['auto', 'qwen2.5-0.5b', 'reduced'] as const;
const shapeKind = shapeKinds.find((kind) => kind === values.shape);
if (shapeKind === undefined) throw new Error(`--shape must be one of ${shapeKinds.join(', ')}, got ${values.shape}`);
const config = qwen25_05b;
const blockSize = 16;
const maxModelLen = 4096;
const limits = { maxTokens: 512, maxSeqs: 8, maxBlocksPerSeq: maxModelLen / blockSize };

function decodeBatch(position: number, tokenId: number): StepBatch {
  return {
    tokenIds: [tokenId],
    positions: [position],
    slotMapping: [position],
    tokenSeq: [0],
    blockTables: Uint32Array.from({ length: limits.maxBlocksPerSeq }, (_, i) => i),
    sampleRows: [0],
  };
}

async function buildRunner(nodeBackend: 'default' | 'null') {
  const gpu = await getDevice({ nodeBackend });
  const weights = createRandomWeights(gpu.device, config, nodeBackend === 'null');
  const cache = new KvCache(gpu.device, config, { numBlocks: limits.maxBlocksPerSeq, blockSize });
  return { gpu, runner: new ModelRunner(gpu.device, config, weights, cache, limits, kernelTarget(gpu)) };
}

async function main(): Promise<void> {
  const { gpu, runner } = await buildRunner('default');
  const device = gpu.device;
  console.log(`adapter: ${gpu.adapterName}${gpu.isSoftware ? ' (software)' : ''}`);
  console.log(`model: Qwen2.5-0.5B shapes (hidden 896, 24 layers, 14/2 heads, vocab 151936), f16 weights, random`);
  const context = Number(values.context);
  // Fill the KV cache up to `context` so attention reads a realistic history.
  for (let start = 0; start < context; start += limits.maxTokens) {
    const count = Math.min(limits.maxTokens, context - start);
    const positions = Array.from({ length: count }, (_, i) => start + i);
    await runner.step({ ...decodeBatch(0, 0), tokenIds: positions.map(() => 1), positions, slotMapping: positions, tokenSeq: positions.map(() => 0), sampleRows: [] });
  }
  const copy = await measureCopyBandwidth(device, gpu.isSoftware ? 64 : 512);
  console.log(`copy bandwidth: ${copy.toFixed(1)} GB/s (trivial copy kernel)\n`);

  runner.forward.inputs.write(decodeBatch(context, 1));
  runner.forward.uniforms.write({ tokens: 1, sampleRows: 1 });
  const perOp = new Map<string, { microseconds: number; bytes: number; count: number }>();
  const layerCalls = runner.forward.calls.filter((call) => !call.label.startsWith('layer') || call.label.startsWith('layer0.'));
  for (const call of layerCalls) {
    const op = call.label.replace(/^layer\d+\./, '');
    const seconds = await timeCall(device, call, { tokens: 1, sampleRows: 1 }, gpu.isSoftware ? 2 : 50);
    const entry = { microseconds: seconds * 1e6, bytes: kernelBytes(op, config, 1, context + 1), count: 1 };
    perOp.set(op, entry);
  }
  console.log('kernel (batch 1 decode)     time µs     GB/s   of copy');
  for (const [op, { microseconds, bytes }] of perOp) {
    const gbs = bytes / microseconds / 1e3;
    const fraction = ['qkv', 'o', 'gateUp', 'down', 'lmHead'].includes(op) ? `${((gbs / copy) * 100).toFixed(0)}%` : '';
    console.log(`${op.padEnd(24)} ${microseconds.toFixed(1).padStart(10)} ${gbs.toFixed(1).padStart(8)} ${fraction.padStart(8)}`);
  }

  const tokens = Number(values.tokens ?? (gpu.isSoftware ? 4 : 64));
  let next = 1;
  const start = performance.now();
  for (let i = 0; i < tokens; i++) next = (await runner.step(decodeBatch(context + 1 + i, next))).tokenIds[0]!;
  const perToken = (performance.now() - start) / tokens;
  console.log(`\ndecode: ${(1000 / perToken).toFixed(2)} tokens/s (${perToken.toFixed(1)} ms/token, batch 1, context ${context}, ${tokens} tokens)`);

  // One prompt chunk of P tokens after the context (the matmuls' many-row path, causal attention).
  const prefill = Math.min(Number(values['prefill-tokens'] ?? (gpu.isSoftware ? 32 : 512)), limits.maxTokens);
  const first = context + 1 + tokens;
  const positions = Array.from({ length: prefill }, (_, i) => first + i);
  const prefillStart = performance.now();
  await runner.step({ ...decodeBatch(0, 0), tokenIds: positions.map(() => 1), positions, slotMapping: positions, tokenSeq: positions.map(() => 0), sampleRows: [prefill - 1] });
  const prefillSeconds = (performance.now() - prefillStart) / 1000;
  console.log(`prefill: ${(prefill / prefillSeconds).toFixed(1)} tokens/s (one step of ${prefill} tokens after a context of ${first})`);

  await measureEncodeTime();
}

async function measureEncodeTime(): Promise<void> {
  const { gpu, runner } = await buildRunner('null');
  const device = gpu.device;
  const counts = { tokens: 1, sampleRows: 1 };
  const iterations = 500;
  let encoding = 0;
  let submitting = 0;
  for (let i = 0; i < iterations + 50; i++) {
    const start = performance.now();
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    runner.forward.encode(pass, counts);
    pass.end();
    const commands = encoder.finish();
    const encoded = performance.now();
    device.queue.submit([commands]);
    if (i < 50) continue;
    encoding += encoded - start;
    submitting += performance.now() - encoded;
  }
  const calls = runner.forward.calls.length;
  console.log(`encode: ${(encoding / iterations).toFixed(3)} ms CPU per decode step (${calls} kernel calls, 24 layers; target ≤ 0.5 ms), ` +
    `submit ${(submitting / iterations).toFixed(3)} ms, on ${gpu.adapterName}`);
}

const adapterLabel = (gpu: GpuContext) => `${gpu.adapterName}${gpu.isSoftware ? ' (software)' : ''}`;

/** The memory / bytes-per-step report (memory-bench.ts): printed as a table, or returned for JSON. */
async function memoryReport(gpu: GpuContext, json: boolean) {
  const adapter = adapterLabel(gpu);
  const copyGbps = await measureCopyBandwidth(gpu.device, gpu.isSoftware ? 64 : 512);
  const context = Number(values['memory-context']);
  const decodeTokens = Number(values.tokens ?? (gpu.isSoftware ? 2 : 64));
  const rows = await memoryRows(gpu, copyGbps, context, decodeTokens, values['force-decode']);
  if (!json) {
    printMemoryRows(adapter, copyGbps, rows);
    console.log();
  }
  return {
    adapter,
    software_adapter: gpu.isSoftware,
    copy_gbps: copyGbps,
    batch: 1,
    context,
    q4_group_size: q4GroupSize,
    q4_scope: 'every Linear and the tied embedding/LM head; norms and biases f16',
    kv_dtype: 'f16',
    rows,
  };
}

/** Levels for the streams part: --concurrency, else 1,4,8,16 (1,8 with --quick). */
function concurrencyOptions(gpu: GpuContext, list: string | undefined) {
  const levels = (list ?? (values.quick ? '1,8' : '1,4,8,16')).split(',').filter((level) => level !== '').map(Number);
  if (levels.length === 0) return undefined;
  return {
    levels,
    decodeTokens: Number(values['decode-tokens'] ?? (gpu.isSoftware || values.quick ? 3 : 64)),
    promptTokens: Number(values['prompt-tokens']),
    prefixTokens: Number(values['prefix-tokens']),
  };
}

/** The engine-level report at the shape this adapter can afford; `withStreams`: the N-stream part too. */
async function engineLevel(gpu: GpuContext, withStreams: boolean, log: (line: string) => void) {
  const shape = benchShape(shapeKind!, gpu.isSoftware);
  const summary = await engineReport(gpu, {
    shape,
    shortContext: Number(values['decode-context']),
    longContext: values.quick ? 0 : Number(values['long-context']),
    tokens: Number(values['engine-tokens'] ?? (values.quick ? 4 : gpu.isSoftware ? 8 : 64)),
    profileRepeats: gpu.isSoftware ? 2 : 50,
    concurrency: withStreams ? concurrencyOptions(gpu, values.concurrency) : undefined,
    log,
  });
  const { config } = shape;
  return {
    shape: {
      name: shape.name, description: shape.description, reduced: shape.reduced, hidden_size: config.hiddenSize, num_layers: config.numLayers,
      num_heads: config.numHeads, num_kv_heads: config.numKvHeads, intermediate_size: config.intermediateSize, vocab_size: config.vocabSize, weights: 'f16',
    },
    ...summary,
  };
}

/** Everything as one JSON object on stdout; the tables go to stderr. */
async function jsonReport(): Promise<void> {
  const gpu = await getDevice();
  const log = (line: string) => console.error(line);
  const memory = await memoryReport(gpu, true);
  const engine = values['memory-only'] ? {} : await engineLevel(gpu, true, log);
  console.log(JSON.stringify({ ...memory, ...engine }, null, 2));
  gpu.device.destroy();
}

if (values['encode-only']) {
  await measureEncodeTime();
} else if (values.json) {
  await jsonReport();
} else if (values['memory-only']) {
  const gpu = await getDevice();
  await memoryReport(gpu, false);
  gpu.device.destroy();
} else {
  const gpu = await getDevice();
  await memoryReport(gpu, false);
  gpu.device.destroy();
  // --skip-kernels: only the engine-level part (the per-kernel part takes minutes on CPU adapters).
  if (!values['skip-kernels']) await main();
  if (!values['skip-engine'] || values.concurrency !== undefined) {
    const engineGpu = await getDevice();
    console.log(`\nadapter: ${adapterLabel(engineGpu)}`);
    if (values['skip-engine']) await benchConcurrency(engineGpu, { ...concurrencyOptions(engineGpu, values.concurrency)!, config: benchShape(shapeKind, engineGpu.isSoftware).config });
    else await engineLevel(engineGpu, values.concurrency !== undefined, (line) => console.log(line));
  }
}
process.exit(0);
