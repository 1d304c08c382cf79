/**
 * Chat completions over a running engine, where the engine lives (the worker, or Node): request
 * checks → chat template → tokens → one engine request per choice (`n` choices share the
 * prompt's KV blocks through the prefix cache, as vLLM does) → per-choice text pipelines →
 * a `ChatCompletion`, or chunks handed to `onChunks` as each step lands. Every check that can
 * refuse a request runs before the first chunk, so a refused stream sends nothing.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Engine } from '../engine/engine.ts';
import type { RequestOutput } from '../engine/engine-types.ts';
import { isLlmError, LlmError } from '../errors.ts';
import { requireTokenizer, type TextTokenizer } from '../text/tokenizer.ts';
import { validateMessages, validateTools } from './chat-messages.ts';
import { badWordIds } from './bad-words.ts';
import { engineFieldToParam, parseChatParams, type ChatParams, type ChatParseOptions } from './chat-params.ts';
import { buildPrompt, completionBudget, type ContentControlTokens } from './chat-prompt.ts';
import { replyShaper } from './reply-shaper.ts';
import { completion, ChunkFactory, makeCompletionId, usage, type ChatFinishReason, type FinishedChoice, type ResponseHeader } from './chat-response.ts';
import { ChatTemplate } from './chat-template.ts';
import { ChoiceBatch, choiceSeed } from './choice-batch.ts';
import type { ModelList } from './chat-types.ts';
import { ChoiceOutput, type ChoiceMode } from './choice-output.ts';
import type { ConstraintSpec } from '../constraint/constraint-spec.ts';
import { constrainsFromStart, constraintFor } from './request-constraint.ts';
import { invalidParam } from './param-checks.ts';
import { PrefillProgressChunks } from './prefill-progress.ts';
import { OutputParsers, type OutputParserOptions } from './output-parsers.ts';
import type { ToolCallParser } from './tool-parser.ts';

export interface ChatCallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Streaming: receives each step's chunks, in order. */
  readonly onChunks?: ((chunks: ChatCompletionChunk[]) => void) | undefined;
}

export interface ChatServiceOptions extends ChatParseOptions, OutputParserOptions {
  /** A chat template in place of the model's own (vLLM's --chat-template). */
  readonly chatTemplate?: string | undefined;
}

export class ChatService {
  private readonly tokenizer: TextTokenizer;
  private readonly template: ChatTemplate | undefined;
  private readonly thinks: ChoiceMode['reasoning'];
  private readonly parsers: OutputParsers;
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly engine: Engine, readonly modelId: string, private readonly contentControlTokens: ContentControlTokens = 'text',
    private readonly parseOptions: ChatServiceOptions = {},
  ) {
    this.tokenizer = requireTokenizer(engine.model.tokenizer, engine.model.location);
    if (parseOptions.chatTemplate !== undefined && typeof parseOptions.chatTemplate !== 'string') {
      throw new LlmError('invalid_argument', 'chatTemplate must be the template text', 'chatTemplate');
    }
    const source = parseOptions.chatTemplate ?? this.tokenizer.chatTemplate;
    this.template = source === undefined ? undefined : new ChatTemplate(source);
    // Templates that think (Qwen3, DeepSeek-R1, QwQ) produce reasoning to split off, and each
    // family writes tool calls its own way: the template says which parsers, unless told.
    this.parsers = new OutputParsers(this.tokenizer, source, parseOptions);
    this.thinks = this.parsers.reasoning ?? false;
  }

  /** The reasoning parser the model's output goes through, if it thinks. */
  get reasoningParser(): 'qwen3' | 'deepseek_r1' | undefined {
    return this.thinks === false ? undefined : this.thinks;
  }

  /** The tool-call parser's name (built-in or registered). */
  get toolCallParser(): string {
    return this.parsers.toolCallParserName;
  }

  models(): ModelList {
    const max = this.engine.model.maxModelLen;
    return { object: 'list', data: [{ id: this.modelId, object: 'model', created: this.created, owned_by: 'webgpu-llm-serve', root: this.modelId, max_model_len: max }] };
  }

  /** Resolves with the completion, or (streaming) with undefined after the last chunk. */
  async create(request: unknown, options: ChatCallOptions = {}): Promise<ChatCompletion | undefined> {
    try {
      return await this.start(request, options);
    } catch (error) {
      throw namingField(error);
    }
  }

  private async start(request: unknown, options: ChatCallOptions): Promise<ChatCompletion | undefined> {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new LlmError('invalid_argument', 'the request must be a JSON object', 'body');
    const raw = request as Record<string, unknown>;
    const params = parseChatParams(raw, this.parseOptions);
    if (params.stream && options.onChunks === undefined) throw invalidParam('stream', 'needs a chunk listener');
    options.signal?.throwIfAborted();
    const messages = validateMessages(raw['messages']);
    const declared = raw['tools'] === undefined || raw['tools'] === null ? undefined : validateTools(raw['tools']);
    // allowed_tools: the model is shown, and may call, only those (OpenAI keeps the others in its prompt).
    const allowed = params.toolChoice.mode === 'named' ? undefined : params.toolChoice.allowed;
    const tools = allowed === undefined ? declared : declared?.filter((tool) => allowed.includes(tool.function.name));
    const template = params.prompt.chatTemplate === undefined ? this.template : requestTemplate(params.prompt.chatTemplate);
    if (template === undefined) throw new LlmError('invalid_argument', 'the model has no chat template', 'messages');
    const toolParser = params.toolChoice.mode === 'none' ? undefined : this.parsers.toolParser(tools ?? []);
    const constraint = constraintFor(params, tools, toolParser?.format, this.parsers.toolCallParserName);
    // An output constrained from its first token has no room to think, so a thinking template gets
    // its think block closed in the prompt (enable_thinking: false) and the output is all content.
    // Strict tools under "auto" constrain only the calls: the model thinks as usual.
    const templateKwargs = constrainsFromStart(constraint) && this.thinks ? { ...params.chatTemplateKwargs, enable_thinking: false } : params.chatTemplateKwargs;
    const { promptIds, echoText } = buildPrompt({
      template, tokenizer: this.tokenizer, messages, tools, chatTemplateKwargs: templateKwargs, options: params.prompt, maxModelLen: this.engine.model.maxModelLen,
      contentControlTokens: this.contentControlTokens,
    });
    const id = params.requestId === undefined ? makeCompletionId() : `chatcmpl-${params.requestId}`;
    const header: ResponseHeader = { id, created: Math.floor(Date.now() / 1000), model: this.modelId };
    return this.run(header, promptIds, echoText, { ...params, chatTemplateKwargs: templateKwargs }, constraint, toolParser, options);
  }

  private mode(params: ChatParams, constraint: ConstraintSpec | undefined, toolParser: ToolCallParser | undefined): ChoiceMode {
    const { toolChoice } = params;
    return {
      // Constrained from its first token, the output is all content (see start()).
      reasoning: constrainsFromStart(constraint) ? false : this.thinks,
      thinkingEnabled: params.chatTemplateKwargs['enable_thinking'] !== false,
      tools: toolChoice.mode === 'none' ? 'none' : toolChoice.mode === 'named' ? 'named' : 'parse',
      ...(toolChoice.mode === 'named' ? { namedTool: toolChoice.name } : {}),
      toolParser,
      parallelToolCalls: params.parallelToolCalls,
    };
  }

  private async run(
    header: ResponseHeader, promptIds: number[], echoText: string, params: ChatParams,
    constraint: ConstraintSpec | undefined, toolParser: ToolCallParser | undefined, options: ChatCallOptions,
  ): Promise<ChatCompletion | undefined> {
    const { maxModelLen, kvCache } = this.engine.model;
    const limits = { maxModelLen, poolTokens: kvCache.numBlocks * kvCache.blockSize };
    const maxTokens = completionBudget(limits, promptIds.length, params.maxTokens, { prompt: 'messages', maxTokens: params.maxTokensField });
    const mode = this.mode(params, constraint, toolParser);
    const dropIds = mode.tools === 'parse' ? this.parsers.dropIds(toolParser) : undefined;
    const chunks = params.stream ? new ChunkFactory(header) : undefined;
    // A caller's request_id may be reused by a concurrent request; engine ids must not be.
    const engineId = params.requestId === undefined ? header.id : makeCompletionId();
    const ids = Array.from({ length: params.n }, (_, i) => `${engineId}-${i}`);
    const choices = ids.map(() => new ChoiceOutput(this.tokenizer, params.stop, mode, params.stopOptions, dropIds));
    const finished: (FinishedChoice | undefined)[] = [];
    const batch = new ChoiceBatch(this.engine);
    const shape = replyShaper(params, echoText, promptIds.length);
    // Held until every choice has joined (its role chunk goes first): a choice whose grammar
    // compiled sooner may already have tokens.
    let held: ChatCompletionChunk[][] | undefined = [];
    const emit = (list: ChatCompletionChunk[]) => {
      if (list.length === 0 || batch.aborted) return;
      if (held !== undefined) held.push(list);
      else options.onChunks?.(list);
    };
    const badWords = params.badWords.length === 0 ? {} : { badWordIds: badWordIds(this.tokenizer, params.badWords) };
    // The n choices share one prompt: one progress for the request (prefill-progress.ts).
    const progress = chunks === undefined || !params.includeProgress ? undefined
      : new PrefillProgressChunks([promptIds.length], (value) => emit(shape.chunks(0, [chunks.progress(value)])));
    try {
      ids.forEach((id, index) => {
        const choice = choices[index]!;
        const listener = (output: RequestOutput) => {
          if (output.prefilledTokens !== undefined) {
            shape.count(index, output); // no tokens; its cached count, for continuous usage
            progress?.note(0, output.prefilledTokens);
            return;
          }
          progress?.flush();
          const deltas = shape.deltas(choice.push(output.tokenIds, output.logprobs));
          const logprobs = params.topLogprobs === undefined ? undefined : choice.logprobs.slice(choice.logprobs.length - output.tokenIds.length);
          shape.count(index, output);
          if (chunks !== undefined) emit(shape.chunks(index, chunks.deltas(index, deltas, logprobs)));
          // A stop string ends the request at this step; its tokens are already decoded.
          if (choice.stopped && output.finishReason === undefined) this.engine.abort(id);
          if (output.finishReason === undefined || batch.aborted) return;
          const tail = shape.deltas(choice.finish());
          const message = shape.message(choice.message());
          const reason = finishReason(output.finishReason, choice, mode, message.toolCalls.length > 0);
          finished[index] = { message, finishReason: reason, logprobs: params.topLogprobs === undefined ? undefined : choice.logprobs };
          if (chunks !== undefined) emit(shape.chunks(index, [...chunks.deltas(index, tail, undefined), chunks.finish(index, reason)]));
        };
        // Like vLLM's parallel sampling: choice i of a seeded request draws with seed + i.
        const seed = params.sampling.seed === undefined ? {} : { seed: choiceSeed(params.sampling.seed, index) };
        const request = {
          id, promptIds, sampling: { ...params.sampling, ...seed, ...badWords, maxTokens },
          ...(constraint === undefined ? {} : { constraint }), ...(progress === undefined ? {} : { reportPrefill: true }),
        };
        batch.add(request, listener);
      });
      // A grammar compiles before its request joins; a schema it refuses must refuse the call.
      await batch.admitted();
    } catch (error) {
      batch.abort(); // choices already queued leave with the bad one
      throw renameEngineError(error, params);
    }
    // Only once every choice is accepted, so a refused request has sent nothing.
    const early = held;
    held = undefined;
    if (chunks !== undefined) {
      emit(ids.flatMap((_, index) => shape.chunks(index, [chunks.role(index), ...chunks.deltas(index, shape.echo, undefined)])));
    }
    early.forEach(emit);
    const settled = await batch.settle(options.signal);
    const totals = usage(
      promptIds.length,
      settled.reduce((sum, result) => sum + result.completionIds.length, 0),
      settled[0]?.numCachedTokens ?? 0,
    );
    if (chunks === undefined) return completion(header, finished as FinishedChoice[], totals);
    if (params.includeUsage) options.onChunks?.([chunks.usage(totals)]);
    return undefined;
  }
}

/**
 * As vLLM: 'tool_calls' when calls parsed. A call cut off by max_tokens does not parse, and the
 * reply says 'length' (even if its header was streamed), so a client can tell the output was cut.
 */
function finishReason(engineReason: string, choice: ChoiceOutput, mode: ChoiceMode, parsedCalls: boolean): ChatFinishReason {
  if (mode.tools === 'parse' && parsedCalls) return 'tool_calls';
  if (engineReason === 'length') return 'length';
  return mode.tools === 'parse' && choice.calledTools ? 'tool_calls' : 'stop';
}

/** Engine errors name engine fields (maxTokens); callers wrote request fields (max_tokens). */
function renameEngineError(error: unknown, params: ChatParams): unknown {
  if (!isLlmError(error) || error.subject === undefined) return error;
  // A named tool's parameters reach the grammar as a json_schema constraint.
  const param = error.subject === 'response_format' && params.toolChoice.mode === 'named' ? 'tools'
    : error.subject === 'maxTokens' ? params.maxTokensField : engineFieldToParam[error.subject];
  if (param === undefined) return error;
  const rest = error.message.startsWith(error.subject) ? error.message.slice(error.subject.length).replace(/^:?\s*/, '') : error.message;
  return new LlmError(error.code, `${param}: ${rest}`, param);
}

/** Most clients show only an error's message: it starts with the field at fault. */
function namingField(error: unknown): unknown {
  if (!isLlmError(error) || error.subject === undefined || error.message.startsWith(`${error.subject}:`)) return error;
  return new LlmError(error.code, `${error.subject}: ${error.message}`, error.subject);
}

/** A request's own chat_template; one that does not parse is the caller's error. */
function requestTemplate(source: string): ChatTemplate {
  try {
    return new ChatTemplate(source);
  } catch (error) {
    throw new LlmError('invalid_argument', `chat_template: ${error instanceof Error ? error.message : String(error)}`, 'chat_template');
  }
}
