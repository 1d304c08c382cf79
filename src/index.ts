/** The public surface: hand-picked exports. */
export { getDevice, type GetDeviceOptions, type GpuContext } from './gpu/device.ts';
export { loadModel, type LoadModelOptions, type LoadedModel } from './model/load-model.ts';
export { generate, type GenerateOptions, type GenerateResult } from './model/generate.ts';
export { parseModelConfig, type ModelConfig } from './model/config.ts';
export type { TextTokenizer } from './text/tokenizer.ts';
export { IncrementalDecoder } from './text/incremental-decoder.ts';
export { LlmError, isLlmError, type ErrorCode } from './errors.ts';
