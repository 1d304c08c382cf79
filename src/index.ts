/** The public surface: hand-picked exports. */
export { getDevice, type GetDeviceOptions, type GpuContext } from './gpu/device.ts';
export { loadModel, type LoadModelOptions, type LoadedModel } from './model/load-model.ts';
export { generate, type GenerateOptions, type GenerateResult } from './engine/generate.ts';
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
export type { LoadedInfo, WorkerLoadOptions } from './worker/engine-worker.ts';
export { EngineWorkerClient } from './worker/worker-client.ts';

// The OpenAI-shaped chat API.
export { createEngine, type CreateEngineOptions } from './api/create-engine.ts';
export { LlmEngine } from './api/llm-engine.ts';
export type { RemoteEngineOptions } from './api/remote-backend.ts';
export type { RemoteEngineStats } from './api/remote-metrics.ts';
export { ChatHost, hostChatEngine, hostEngine, type ChatLoadOptions } from './worker/chat-host.ts';
export type {
  ChatApi, ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam, ChatCompletionTool, ChatCompletions, ModelCard,
  ModelList, PrefillProgress, RequestOptions, VllmExtraParams, VllmStreamOptions,
} from './chat/chat-types.ts';
export type {
  Completion, CompletionChoice, CompletionChunk, CompletionCreateParams, CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming, Completions, CompletionsApi, VllmCompletionExtraParams,
} from './chat/completion-types.ts';
export { runTools, type RunToolsParams, type RunnableTool, type ToolRun, type ToolRunEvent, type ToolRunResult } from './tools/tool-runner.ts';
export { createOpenAIFetch, describeError, type OpenAIErrorBody } from './api/openai-fetch.ts';
export { createResponses, type ResponsesService } from './api/responses/responses-service.ts';
export { ResponseStore, type ResponseStoreLimits, type StoredResponse } from './api/responses/response-store.ts';
export {
  outputText, type ResponseCreateParams, type ResponseCreateParamsNonStreaming, type ResponseCreateParamsStreaming,
  type ResponseInputItem, type ResponseObject, type ResponseOutputItem, type ResponseStreamEvent, type ResponseUsage,
  type Responses, type ResponsesApi, type ResponsesExtraParams,
} from './api/responses/responses-types.ts';
export { ChatTemplate } from './chat/chat-template.ts';

// Output parsers, usable with any backend.
export { parseToolCalls, HermesStreamParser, makeToolCallId, hermesToolParser } from './chat/hermes-tool-parser.ts';
export { llama3JsonToolParser } from './chat/llama3-json-tool-parser.ts';
export { pythonicToolParser } from './chat/pythonic-tool-parser.ts';
export { mistralToolParser, makeMistralToolCallId } from './chat/mistral-tool-parser.ts';
export { registerToolCallParser, unregisterToolCallParser, toolCallParserNames, toolCallParserFactory } from './chat/tool-parser-registry.ts';
export { toolCallParserFor } from './chat/tool-parser-choice.ts';
export type {
  ParsedToolCalls, ToolCallFormat, ToolCallParser, ToolCallParserFactory, ToolCallStream, ToolParserContext,
} from './chat/tool-parser.ts';
export { parseReasoning, ReasoningStreamParser, type ReasoningOptions, type ReasoningParserName, type ReasoningSplit } from './chat/reasoning-parser.ts';
export { reasoningParserFor } from './chat/reasoning-parser-choice.ts';
export { StopStringMatcher, type StopMatch } from './text/stop-strings.ts';
export type { ParsedToolCall, StreamDelta, ToolCallDelta } from './chat/types.ts';

// Model files: Hub ids, load progress, Cache Storage.
export { isHubId, DEFAULT_HUB_URL, type HubOptions } from './hub/model-location.ts';
export { modelCacheStatus, clearModelCache, type ModelCacheStatus, type CachedFile } from './hub/model-cache.ts';
export type { LoadProgress, LoadPhase, FileProgress, ProgressListener } from './model/load-progress.ts';
