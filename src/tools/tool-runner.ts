/**
 * `runTools`: the in-page tool loop. create → for each tool call: look up, validate, run → append
 * the assistant message and one `role: 'tool'` message per call → repeat, until a reply without
 * tool calls or `maxRounds` replies. Events let a UI follow along; `abort()` stops the request or
 * tool in flight and rejects `done()`.
 */
import { LlmError } from '../errors.ts';
import type {
  ChatApi,
  ChatCompletion,
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from '../chat/chat-types.ts';
import { ChunkAssembler } from './tool-chunk-assembler.ts';
import { executeToolCall, toolAbortError } from '../chat/tool-call.ts';
import { ToolEvents } from './tool-events.ts';
import { runnerDefaults, runnerOptions, type RunnerLimits } from './tool-options.ts';
import { ToolRegistry } from './tool-registry.ts';
import type { RunToolsParams, ToolCallSummary, ToolRun, ToolRunResult } from './tool-types.ts';

export type * from './tool-types.ts';
export { toolAbortError } from '../chat/tool-call.ts';

export interface RunToolsOptions {
  readonly signal?: AbortSignal | undefined;
  /** Tokens the model's context holds: the default `maxToolResultChars` is at most half of it. */
  readonly contextLength?: number | undefined;
}

interface Run extends RunnerLimits {
  readonly api: ChatApi;
  readonly request: ChatCompletionCreateParams;
  readonly registry: ToolRegistry;
  readonly events: ToolEvents;
  readonly signal: AbortSignal;
}

/**
 * Starts a tool loop. Throws `LlmError('invalid_argument')` at once for bad runner input (nothing
 * runs then); request fields are checked by `create` itself, so their errors reject `done()`.
 */
export function runTools(api: ChatApi, params: RunToolsParams, options: RunToolsOptions = {}): ToolRun {
  const { request, hasTools, registry, limits, signal: outer } = checkInput(params, options);
  const events = new ToolEvents();
  const controller = new AbortController();
  const abort = () => controller.abort(toolAbortError());
  if (outer?.aborted === true) abort();
  else outer?.addEventListener('abort', abort, { once: true });

  const chatRequest = { ...request, ...(hasTools ? { tools: registry.chatTools() } : {}) } as ChatCompletionCreateParams;
  const loop = runLoop({ api, request: chatRequest, registry, ...limits, events, signal: controller.signal });
  // done() settles on abort even when the request or tool in flight ignores its signal.
  const aborted = new Promise<never>((_, reject) => {
    if (controller.signal.aborted) reject(controller.signal.reason);
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  const result = Promise.race([loop, aborted]).finally(() => outer?.removeEventListener('abort', abort));
  // Nobody has to call done(): an unobserved failure is not an unhandled rejection.
  loop.catch(() => {});
  aborted.catch(() => {});
  result.catch(() => {});
  return { on: events.on.bind(events), done: () => result, abort };
}

/** Everything the runner itself takes, checked before anything runs. */
function checkInput(params: unknown, options: unknown) {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new LlmError('invalid_argument', `runTools takes one object of request fields and runner options, got ${params === null ? 'null' : typeof params}`);
  }
  const signal = typeof options === 'object' && options !== null ? (options as RunToolsOptions).signal : undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new LlmError('invalid_argument', 'signal must be an AbortSignal', 'signal');
  const contextLength = typeof options === 'object' && options !== null ? (options as RunToolsOptions).contextLength : undefined;
  try {
    const { tools, maxRounds, toolTimeoutMs, maxToolResultChars, maxToolArgumentsChars, ...request } = params as RunToolsParams;
    const registry = new ToolRegistry(tools);
    const fitted = typeof contextLength === 'number' && contextLength >= 2
      ? Math.min(runnerDefaults.maxToolResultChars, Math.floor(contextLength / 2))
      : runnerDefaults.maxToolResultChars;
    const limits = runnerOptions({ maxRounds, toolTimeoutMs, maxToolResultChars, maxToolArgumentsChars }, { ...runnerDefaults, maxToolResultChars: fitted });
    // The loop copies and extends the history: anything else would be spread into characters.
    if (!Array.isArray(request.messages)) throw new LlmError('invalid_argument', 'messages: must be an array of messages', 'messages');
    if (request.n !== undefined && request.n !== null && request.n !== 1) {
      throw new LlmError('invalid_argument', 'runTools supports n = 1 only', 'n');
    }
    return { request, hasTools: tools !== undefined, registry, limits, signal };
  } catch (error) {
    if (error instanceof LlmError) throw error;
    // A getter that throws, a proxy, a revoked object: still a refusal, never a TypeError.
    throw new LlmError('invalid_argument', `runTools could not read its input: ${error instanceof Error ? error.message : String(error)}`, 'tools');
  }
}

async function runLoop(run: Run): Promise<ToolRunResult> {
  const { request, events, signal } = run;
  const messages: ChatCompletionMessageParam[] = [...request.messages];
  const completions: ChatCompletion[] = [];
  const appendMessage = (message: ChatCompletionMessageParam) => {
    messages.push(message);
    events.emit({ type: 'message', message });
  };
  for (let round = 1; ; round++) {
    signal.throwIfAborted();
    const completion = await requestCompletion(run, roundRequest(request, round, messages), round);
    signal.throwIfAborted();
    completions.push(completion);
    events.emit({ type: 'completion', completion });
    const choice = completion.choices[0];
    if (choice === undefined) throw new Error('the chat completion has no choices');
    const { content } = choice.message;
    const toolCalls = (choice.message.tool_calls ?? []).flatMap((call) =>
      call.type === 'function' ? [{ id: call.id, type: 'function' as const, function: { name: call.function.name, arguments: call.function.arguments } }] : []);
    appendMessage({ role: 'assistant', content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) });
    if (toolCalls.length === 0) return { messages, finalContent: content, completions, rounds: round, hitRoundLimit: false };
    for (const call of toolCalls) {
      const summary: ToolCallSummary = { id: call.id, name: call.function.name, arguments: call.function.arguments };
      events.emit({ type: 'tool_call', round, call: summary });
      const started = performance.now();
      const outcome = await executeToolCall(run.registry, summary, signal, run);
      const durationMs = performance.now() - started;
      events.emit({ type: 'tool_result', round, callId: call.id, name: summary.name, ...outcome, durationMs });
      appendMessage({ role: 'tool', tool_call_id: call.id, content: outcome.content });
    }
    if (round >= run.maxRounds) return { messages, finalContent: content, completions, rounds: round, hitRoundLimit: true };
  }
}

/**
 * The request of one round. A forcing tool_choice ('required' or a named tool) holds for the first
 * round only: forced every round, the model could never answer and the loop would only end at
 * maxRounds.
 */
function roundRequest(request: ChatCompletionCreateParams, round: number, messages: ChatCompletionMessageParam[]): ChatCompletionCreateParams {
  const forced = request.tool_choice === 'required' || typeof request.tool_choice === 'object';
  return { ...request, messages: [...messages], ...(round > 1 && forced ? { tool_choice: 'auto' as const } : {}) };
}

/** One create() call; when streaming, forwards content and reasoning deltas (and prefill progress) as they arrive. */
async function requestCompletion(run: Run, request: ChatCompletionCreateParams, round: number): Promise<ChatCompletion> {
  const { api, events, signal } = run;
  if (request.stream !== true) {
    const completion = await api.chat.completions.create(request as ChatCompletionCreateParamsNonStreaming, { signal });
    // A reply that arrives whole is one delta of each, so a UI listening to deltas sees it too.
    const message = completion.choices[0]?.message as { content?: string | null; reasoning_content?: string | null } | undefined;
    if (typeof message?.reasoning_content === 'string' && message.reasoning_content !== '') events.emit({ type: 'reasoning', delta: message.reasoning_content });
    if (typeof message?.content === 'string' && message.content !== '') events.emit({ type: 'content', delta: message.content });
    return completion;
  }
  const stream = await api.chat.completions.create(request as ChatCompletionCreateParamsStreaming, { signal });
  const assembler = new ChunkAssembler();
  for await (const chunk of stream) {
    signal.throwIfAborted();
    assembler.push(chunk);
    const progress = chunk.prefill_progress;
    if (progress !== undefined) events.emit({ type: 'progress', round, processedTokens: progress.processed_tokens, totalTokens: progress.total_tokens });
    const delta = chunk.choices.find((choice) => choice.index === 0)?.delta as { content?: string | null; reasoning_content?: string | null } | undefined;
    if (typeof delta?.reasoning_content === 'string' && delta.reasoning_content !== '') events.emit({ type: 'reasoning', delta: delta.reasoning_content });
    if (typeof delta?.content === 'string' && delta.content !== '') events.emit({ type: 'content', delta: delta.content });
  }
  return assembler.finish();
}
