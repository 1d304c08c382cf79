/** The public surface: hand-picked exports. */
export { getDevice, type GetDeviceOptions, type GpuContext } from './gpu/device.ts';
export { loadModel, type LoadModelOptions, type LoadedModel } from './model/load-model.ts';
export { generate, type GenerateOptions, type GenerateResult } from './model/generate.ts';
export { parseModelConfig, type ModelConfig } from './model/config.ts';
export type { TextTokenizer } from './text/tokenizer.ts';
export { IncrementalDecoder } from './text/incremental-decoder.ts';
export { LlmError, isLlmError, type ErrorCode } from './errors.ts';
export { Engine, type EngineOptions, type OutputListener } from './engine/engine.ts';
export type {
  EngineRequest, EngineStats, RequestOutput, RequestResult, StepStats, TokenLogprob,
} from './engine/engine-types.ts';
export type { SamplingParams } from './engine/sampling-params.ts';
export type { FinishReason } from './engine/sequence.ts';
export { hostEngine, type LoadedInfo, type WorkerLoadOptions } from './engine/engine-worker.ts';
export { EngineWorkerClient } from './engine/worker-client.ts';
