/**
 * Loads a model (a Hub id, a folder URL or, in Node, a local path; see hub/model-location.ts)
 * onto a GPU: config, the safetensors headers (validated against the config before anything is
 * uploaded), tokenizer when present, a check that every buffer fits the adapter, then all GPU
 * buffers at once (so the GPU can refuse the model before the weights download), then the weights
 * streamed onto the GPU as their bytes arrive while the kernels' pipelines compile (in browsers
 * the GPU process compiles, so the download goes on). In browsers, Hub files go through Cache
 * Storage. Any failure releases what was made, so no partial model is left usable.
 */
import { LlmError } from '../errors.ts';
import type { GpuContext } from '../gpu/device.ts';
import { awaitGpu } from '../gpu/await-gpu.ts';
import type { TextTokenizer } from '../text/tokenizer.ts';
import { checkAdapterFits } from './adapter-fit.ts';
import type { CheckpointLayout } from './checkpoint.ts';
import { streamCheckpoint } from './checkpoint-stream.ts';
import type { ModelConfig } from './config.ts';
import type { GenerationConfig } from './generation-config.ts';
import { KvCache } from './kv-cache.ts';
import { planKvCache, weightBytes } from './kv-plan.ts';
import { ProgressTracker, type ProgressListener } from './load-progress.ts';
import { openModelFiles, type ModelFileOptions } from './model-files.ts';
import type { ModelSource } from '../hub/model-source.ts';
import { ModelRunner } from './model-runner.ts';
import { allocateWeights, type WeightUpload } from './model-weights.ts';
import { checkFiniteWeights } from './finite-weights.ts';
import { LOAD_Q4_GROUP_SIZE } from './q4-quantize.ts';
import type { StepLimits } from './step-batch.ts';
import { kernelTarget, type KernelTarget } from '../gpu/kernel-target.ts';
import { deferPipelines, type PipelineScope } from '../gpu/pipelines.ts';

export interface LoadModelOptions extends ModelFileOptions {
  /** Longest sequence (prompt + completion) to plan for; default min(max_position_embeddings, 4096). */
  readonly maxModelLen?: number;
  /** Most token rows one step runs (longer prompts are prefilled in chunks); default 512. */
  readonly maxNumBatchedTokens?: number;
  /** Most sequences running at once (each samples at most one token per step); default 16. */
  readonly maxNumSeqs?: number;
  /** Bytes for the KV cache; default scaled to the model's size (kv-plan.ts). */
  readonly kvCacheBytes?: number;
  /** Exactly this many KV blocks of 16 tokens instead of a byte budget. */
  readonly numKvBlocks?: number;
  /** Bytes read per file and overall, phase by phase (load-progress.ts). */
  readonly onProgress?: ProgressListener;
  /**
   * 'q4': quantize a float (BF16/F16/F32) checkpoint to 4 bits as it streams in: every layer
   * Linear, the embedding and the LM head, groups of LOAD_Q4_GROUP_SIZE inputs (q4-quantize.ts).
   * Refused for a checkpoint that is already quantized. Default: weights as stored.
   */
  readonly quantization?: 'q4' | undefined;
  /** Overrides the kernel variants the adapter selects (kernel-target.ts), e.g. to run a GPU's on a CPU adapter. */
  readonly kernelTarget?: Partial<KernelTarget> | undefined;
}

export interface LoadedModel {
  readonly gpu: GpuContext;
  readonly location: string;
  readonly config: ModelConfig;
  readonly generationConfig: GenerationConfig;
  /** Absent for a folder without tokenizer.json: token ids still work, text gives 'no_tokenizer'. */
  readonly tokenizer: TextTokenizer | undefined;
  readonly maxModelLen: number;
  readonly kvCache: KvCache;
  readonly runner: ModelRunner;
  dispose(): void;
}

const blockSize = 16;
/** Bytes written to the GPU between waits for the queue, so pending uploads stay bounded. */
const uploadSyncBytes = 64 * 1024 * 1024;

export async function loadModel(gpu: GpuContext, location: string | URL, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const { device } = gpu;
  const progress = new ProgressTracker(options.onProgress);
  checkQuantizationOption(options.quantization);
  const { source, config, generationConfig, checkpoint, tokenizer } = await openModelFiles(location, options, progress);
  const quantizeGroupSize = loadQuantizationGroupSize(options.quantization, config);
  const maxModelLen = Math.min(options.maxModelLen ?? 4096, config.maxPositionEmbeddings);
  const limits = stepLimits(options, Math.ceil(maxModelLen / blockSize));
  checkAdapterFits(config, device.limits, limits);
  const numKvBlocks = planKvCache(config, device.limits, weightBytes(checkpoint, quantizeGroupSize), blockSize, options);

  const parts = await allocate(gpu, config, numKvBlocks, limits, source.location, quantizeGroupSize, options.kernelTarget);
  let refused: unknown;
  try {
    // The pipelines compile while the weights stream; a failed compile stops the upload.
    const compiled = parts.compile();
    compiled.catch((error: unknown) => (refused = error));
    progress.setPhase('weights');
    await uploadWeights(device, source, checkpoint, parts.upload, () => refused);
    await compiled;
  } catch (error) {
    parts.release();
    throw error;
  }
  progress.ready();
  const { kvCache, runner } = parts;
  return {
    gpu,
    location: source.location,
    config,
    generationConfig,
    tokenizer,
    maxModelLen,
    kvCache,
    runner,
    dispose: parts.release,
  };
}

function checkQuantizationOption(quantization: unknown): void {
  if (quantization !== undefined && quantization !== 'q4') {
    throw new LlmError('unsupported_option', `quantization must be 'q4' or absent, got ${JSON.stringify(quantization)}`, 'quantization');
  }
}

/** The group size of load-time quantization, or undefined to keep the weights as stored. */
function loadQuantizationGroupSize(quantization: 'q4' | undefined, config: ModelConfig): number | undefined {
  if (quantization === undefined) return undefined;
  if (config.quantization !== undefined) {
    throw new LlmError('unsupported_option', `quantization 'q4' quantizes a float checkpoint, but this one is already ${config.quantization.method} 4-bit (config.json quantization_config)`, 'quantization');
  }
  const widths = [config.hiddenSize, config.intermediateSize, config.numHeads * config.headDim];
  if (widths.some((width) => width % LOAD_Q4_GROUP_SIZE !== 0)) {
    throw new LlmError('unsupported_option', `quantization 'q4' needs Linear widths (${widths.join(', ')}) divisible by the group size ${LOAD_Q4_GROUP_SIZE}`, 'quantization');
  }
  return LOAD_Q4_GROUP_SIZE;
}

interface ModelParts {
  readonly upload: WeightUpload;
  readonly kvCache: KvCache;
  /** Not to be stepped before `compile()` resolves. */
  readonly runner: ModelRunner;
  /** Compiles the runner's pipelines (see deferPipelines); rejects with adapter_insufficient. */
  compile(): Promise<void>;
  release(): void;
}

/**
 * Every GPU object, before any weight byte: the GPU refuses a model too big up front. The
 * runner's pipelines are only recorded here (deferPipelines), to compile during the upload.
 */
async function allocate(
  gpu: GpuContext, config: ModelConfig, numKvBlocks: number, limits: StepLimits, location: string, quantizeGroupSize: number | undefined,
  target: Partial<KernelTarget> | undefined,
): Promise<ModelParts> {
  const { device } = gpu;
  let upload: WeightUpload | undefined;
  let kvCache: KvCache | undefined;
  let runner: ModelRunner | undefined;
  let pipelines: PipelineScope<ModelRunner> | undefined;
  const release = () => {
    runner?.destroy();
    kvCache?.destroy();
    upload?.weights.destroy();
  };
  let failure: unknown;
  const gpuError = await withErrorScopes(device, () => {
    try {
      upload = allocateWeights(device, config, { quantizeGroupSize });
      kvCache = new KvCache(device, config, { numBlocks: numKvBlocks, blockSize });
      const weights = upload.weights;
      const cache = kvCache;
      pipelines = deferPipelines(device, () => new ModelRunner(device, config, weights, cache, limits, kernelTarget(gpu, target)));
      runner = pipelines.value;
    } catch (error) {
      failure = error;
    }
  });
  const refusal = (message: string | undefined) => new LlmError('adapter_insufficient', `the GPU refused the model ${location}: ${message ?? 'unknown error'}`);
  if (failure !== undefined || gpuError !== null || upload === undefined || kvCache === undefined || runner === undefined || pipelines === undefined) {
    release();
    if (failure !== undefined) throw failure;
    throw refusal(gpuError?.message);
  }
  const scope = pipelines;
  return {
    upload, kvCache, runner, release,
    // The error a compile inside the error scopes above gave before they were deferred.
    compile: () => scope.compile().catch((error: unknown) => {
      throw refusal(error instanceof Error ? error.message : String(error));
    }),
  };
}

/**
 * Streams every tensor onto the GPU as its bytes arrive, each piece checked to be finite first;
 * ends early with what `stopped` returns once it returns something.
 */
async function uploadWeights(
  device: GPUDevice, source: ModelSource, checkpoint: CheckpointLayout, upload: WeightUpload, stopped: () => unknown,
): Promise<void> {
  let failure: unknown;
  const gpuError = await withErrorScopes(device, async () => {
    try {
      let sinceSync = 0;
      const sink = async (piece: Parameters<WeightUpload['write']>[0]) => {
        const stop = stopped();
        if (stop !== undefined) throw stop;
        checkFiniteWeights(piece);
        sinceSync += upload.write(piece);
        if (sinceSync < uploadSyncBytes) return;
        sinceSync = 0;
        device.queue.submit([]);
        await awaitGpu(device.queue.onSubmittedWorkDone());
      };
      await streamCheckpoint(source, checkpoint, sink, { wants: (name) => upload.wants(name) });
      upload.finish();
    } catch (error) {
      failure = error;
    }
  });
  if (failure !== undefined) throw failure;
  if (gpuError !== null) throw new LlmError('adapter_insufficient', `the GPU refused the weights of ${source.location}: ${gpuError.message}`);
}

async function withErrorScopes(device: GPUDevice, body: () => void | Promise<void>): Promise<GPUError | null> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  await body();
  const outOfMemory = await awaitGpu(device.popErrorScope());
  const invalid = await awaitGpu(device.popErrorScope());
  return outOfMemory ?? invalid;
}

function stepLimits(options: LoadModelOptions, maxBlocksPerSeq: number): StepLimits {
  const positive = (value: number | undefined, fallback: number, field: string) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1) throw new LlmError('invalid_argument', `${field} must be a positive integer, got ${value}`, field);
    return value;
  };
  return {
    maxTokens: positive(options.maxNumBatchedTokens, 512, 'maxNumBatchedTokens'),
    maxSeqs: positive(options.maxNumSeqs, 16, 'maxNumSeqs'),
    maxBlocksPerSeq,
  };
}
