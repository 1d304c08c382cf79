/**
 * The transformer forward pass as a list of kernel dispatches (model-math.md), built once with
 * every buffer bound; a step only writes its inputs and encodes this list into one compute pass.
 *
 *   x = embed[ids]
 *   per layer: qkv = rmsnorm(x)·Wqkvᵀ(+b) · rope(q, k) (after q/k norm on Qwen3) · kv write
 *              · attention · x += o(attn) · gate_up = rmsnorm(x)·Wguᵀ · x += down(swiglu(gate_up))
 *   (each layer norm is folded into the matmul after it, each residual add into the one before)
 *   rows that sample: logits = lm_head(rmsnorm(x[row])) · sample (per-row parameters, sampler.ts)
 */
import type { KernelTarget } from '../gpu/kernel-target.ts';
import { StepUniforms, type KernelCall, type RowCounts, type RowSource } from '../gpu/kernel.ts';
import type { AttentionShape } from '../gpu/kernels/attention-shape.ts';
import { qkvWidth } from '../gpu/kernels/attention-shape.ts';
import { bindEmbedding } from '../gpu/kernels/embedding.ts';
import { layerAttention } from '../gpu/kernels/attention-variant.ts';
import { GatherRowsKernel } from '../gpu/kernels/gather-rows.ts';
import { KvWriteKernel } from '../gpu/kernels/kv-write.ts';
import { bindLinear, decodeKernel } from '../gpu/kernels/linear.ts';
import { RmsNormKernel } from '../gpu/kernels/rmsnorm.ts';
import { RopeKernel } from '../gpu/kernels/rope.ts';
import { SamplerInputs, SamplerKernel } from '../gpu/kernels/sampler.ts';
import { SwiGluKernel } from '../gpu/kernels/swiglu.ts';
import { TokenFeedKernel } from '../gpu/kernels/token-feed.ts';
import type { ModelConfig } from './config.ts';
import type { KvCache } from './kv-cache.ts';
import type { ModelWeights } from './model-weights.ts';
import { StepInputBuffers, type StepLimits } from './step-batch.ts';

/** Activations for up to maxTokens rows (f32). */
class Activations {
  readonly x: GPUBuffer; // (T, hidden) residual stream
  readonly h: GPUBuffer; // (T, hidden) normed x for the prefill path
  readonly qkv: GPUBuffer; // (T, (heads + 2·kvHeads)·headDim)
  readonly attention: GPUBuffer; // (T, heads·headDim)
  readonly gateUp: GPUBuffer; // (T, 2·intermediate)
  readonly act: GPUBuffer; // (T, intermediate)
  readonly sampledRows: GPUBuffer; // (S, hidden)
  readonly sampledNormed: GPUBuffer; // (S, hidden)
  readonly logits: GPUBuffer; // (S, vocab) raw LM-head output
  readonly samplerScratch: GPUBuffer; // (S, vocab) logits after bias, penalties, temperature
  readonly sampled: GPUBuffer; // (S, SamplerKernel.outWords) u32: ids, logprobs, top logprobs

  constructor(device: GPUDevice, config: ModelConfig, shape: AttentionShape, limits: StepLimits) {
    const { maxTokens: t, maxSeqs: s } = limits;
    const create = (label: string, floats: number, extra = 0) =>
      device.createBuffer({ label, size: Math.max(16, floats * 4), usage: GPUBufferUsage.STORAGE | extra });
    this.x = create('act.x', t * config.hiddenSize);
    this.h = create('act.h', t * config.hiddenSize);
    this.qkv = create('act.qkv', t * qkvWidth(shape));
    this.attention = create('act.attention', t * shape.numHeads * shape.headDim);
    this.gateUp = create('act.gateUp', t * 2 * config.intermediateSize);
    this.act = create('act.act', t * config.intermediateSize);
    this.sampledRows = create('act.sampledRows', s * config.hiddenSize);
    this.sampledNormed = create('act.sampledNormed', s * config.hiddenSize);
    this.logits = create('act.logits', s * config.vocabSize, GPUBufferUsage.COPY_SRC);
    this.samplerScratch = create('act.samplerScratch', SamplerKernel.scratchBytes(s, config.vocabSize) / 4);
    this.sampled = create('act.sampled', s * SamplerKernel.outWords, GPUBufferUsage.COPY_SRC);
  }

  destroy(): void {
    for (const buffer of Object.values(this) as GPUBuffer[]) buffer.destroy();
  }
}

export class ForwardPass {
  readonly inputs: StepInputBuffers;
  readonly samplerInputs: SamplerInputs;
  readonly activations: Activations;
  readonly uniforms: StepUniforms;
  readonly tokenFeed: TokenFeedKernel;
  /** Every dispatch of a step, in order: the forward calls, then the sample calls. */
  readonly calls: readonly KernelCall[];
  readonly forwardCalls: readonly KernelCall[];
  readonly sampleCalls: readonly KernelCall[];

  /** `target.software`: kernels for a CPU adapter (no workgroup barriers on the hot paths). */
  constructor(device: GPUDevice, config: ModelConfig, weights: ModelWeights, cache: KvCache, limits: StepLimits, target: KernelTarget) {
    const decode = decodeKernel(target);
    const shape: AttentionShape = {
      headDim: config.headDim,
      numHeads: config.numHeads,
      numKvHeads: config.numKvHeads,
      blockSize: cache.blockSize,
      slidingWindow: config.slidingWindow ?? 0,
    };
    const attentionKernels = layerAttention(device, shape, limits, target);
    this.inputs = new StepInputBuffers(device, limits, attentionKernels.work === undefined ? [] : [attentionKernels.work]);
    // A row's penalty entries are unique tokens of its sequence, plus at most 300 biased ones
    // (the engine's logit-bias limit).
    this.samplerInputs = new SamplerInputs(device, {
      maxRows: limits.maxSeqs,
      maxEntries: limits.maxSeqs * Math.min(config.vocabSize, limits.maxBlocksPerSeq * cache.blockSize + 300),
      vocab: config.vocabSize,
    });
    this.activations = new Activations(device, config, shape, limits);
    this.uniforms = new StepUniforms(device);
    const tokens: RowSource = { uniforms: this.uniforms, count: 'tokens' };
    const sampleRows: RowSource = { uniforms: this.uniforms, count: 'sampleRows' };
    const { x, h, qkv, attention, gateUp, act, sampledRows, sampledNormed, logits, samplerScratch, sampled } = this.activations;
    const input = this.inputs;
    const normed = (weight: GPUBuffer) => ({ weight, eps: config.rmsNormEps, scratch: h });
    const rope = new RopeKernel(device, shape, config.qkNorm ? config.rmsNormEps : undefined);
    const kvWrite = new KvWriteKernel(device, shape);
    const swiglu = new SwiGluKernel(device, config.intermediateSize);

    this.tokenFeed = new TokenFeedKernel(device, limits.maxSeqs, SamplerKernel.outWords, sampled, input.tokenIds);
    const calls: KernelCall[] = [this.tokenFeed.bind(), bindEmbedding(device, tokens, weights.embed, input.tokenIds, x)];
    weights.layers.forEach((layer, i) => {
      const kv = cache.layers[i]!;
      const name = (op: string) => `layer${i}.${op}`;
      calls.push(
        bindLinear(device, tokens, { x, norm: normed(layer.inputNorm), weight: layer.qkv, bias: layer.qkvBias, y: qkv }, name('qkv'), decode),
        rope.bind(tokens, qkv, input.positions, weights.invFreq, layer.qkNorm ?? weights.invFreq, name('rope')),
        kvWrite.bind(tokens, qkv, input.slotMapping, kv.k, kv.v, name('kvWrite')),
        attentionKernels.bind(tokens, {
          qkv, kPool: kv.k, vPool: kv.v, positions: input.positions, tokenSeq: input.tokenSeq, blockTables: input.blockTables, out: attention,
        }, name('attention')),
        bindLinear(device, tokens, { x: attention, weight: layer.o, y: x, accumulate: true }, name('o'), decode),
        bindLinear(device, tokens, { x, norm: normed(layer.postNorm), weight: layer.gateUp, y: gateUp }, name('gateUp'), decode),
        swiglu.bind(tokens, gateUp, act, name('swiglu')),
        bindLinear(device, tokens, { x: act, weight: layer.down, y: x, accumulate: true }, name('down'), decode),
      );
    });
    calls.push(
      new GatherRowsKernel(device, config.hiddenSize).bind(sampleRows, x, input.sampleRows, sampledRows, 'sampleGather'),
      new RmsNormKernel(device, config.hiddenSize, config.rmsNormEps, target.subgroups).bind(sampleRows, sampledRows, weights.finalNorm, sampledNormed, 'finalNorm'),
      bindLinear(device, sampleRows, { x: sampledNormed, weight: weights.lmHead, y: logits }, 'lmHead', decode),
    );
    this.forwardCalls = [...calls];
    calls.push(
      ...new SamplerKernel(device, config.vocabSize, target).bind(sampleRows, { logits, inputs: this.samplerInputs, scratch: samplerScratch, out: sampled }, 'sample'),
    );
    this.calls = calls;
    this.sampleCalls = calls.slice(this.forwardCalls.length);
  }

  /** The whole step, sampling included, in one pass. */
  encode(pass: GPUComputePassEncoder, counts: RowCounts): void {
    for (const call of this.calls) call.encode(pass, counts);
  }

  /** Token feed through the LM head: everything up to the logits. */
  encodeForward(pass: GPUComputePassEncoder, counts: RowCounts): void {
    for (const call of this.forwardCalls) call.encode(pass, counts);
  }

  /** The sampler over the logits, with the sampling rows written since the forward pass. */
  encodeSample(pass: GPUComputePassEncoder, counts: RowCounts): void {
    for (const call of this.sampleCalls) call.encode(pass, counts);
  }

  destroy(): void {
    for (const call of this.calls) call.destroy?.();
    this.inputs.destroy();
    this.tokenFeed.destroy();
    this.samplerInputs.destroy();
    this.activations.destroy();
    this.uniforms.buffer.destroy();
  }
}
