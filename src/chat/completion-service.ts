/**
 * Text completions over a running engine, where the engine lives (vLLM's OpenAIServingCompletion):
 * request checks → each prompt tokenized (token-id prompts as they are) and checked → one engine
 * request per prompt and choice, all queued in the same turn so the step loop runs them as one
 * batch (vLLM's `LLM.generate(prompts)`) → a `Completion` whose choices are ordered prompt-major
 * (index = prompt × n + j), or chunks handed to `onChunks` as each step lands.
 */
import type { Completion, CompletionUsage } from 'openai/resources/completions';
import type { Engine } from '../engine/engine.ts';
import type { RequestOutput, RequestResult } from '../engine/engine-types.ts';
import { isLlmError, LlmError } from '../errors.ts';
import { checkContextLength, checkPromptIds } from '../model/prompt-limits.ts';
import { requireTokenizer, type TextTokenizer } from '../text/tokenizer.ts';
import { badWordIds } from './bad-words.ts';
import { engineFieldToParam } from './chat-params.ts';
import { makeCompletionId, usage, type ResponseHeader } from './chat-response.ts';
import { ChoiceBatch, choiceSeed } from './choice-batch.ts';
import { ChoiceOutput, type ChoiceMode } from './choice-output.ts';
import { parseCompletionParams, type CompletionParams, type PromptInput } from './completion-params.ts';
import { CompletionChunks, legacyLogprobs, textCompletion, type FinishedText } from './completion-response.ts';
import { invalidParam } from './param-checks.ts';
import { PrefillProgressChunks } from './prefill-progress.ts';
import type { StreamDelta } from './types.ts';

export interface CompletionCallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Streaming: receives each step's chunks, in order. */
  readonly onChunks?: ((chunks: Completion[]) => void) | undefined;
}

/** Plain text: no reasoning split, no tool-call parsing. */
const textMode: ChoiceMode = { reasoning: false, thinkingEnabled: false, tools: 'none', parallelToolCalls: false };

interface Prompt {
  readonly ids: readonly number[];
  /** What `echo` puts in front of the completion. */
  readonly text: string;
  readonly label: string;
}

export class CompletionService {
  private readonly tokenizer: TextTokenizer;

  constructor(private readonly engine: Engine, readonly modelId: string) {
    this.tokenizer = requireTokenizer(engine.model.tokenizer, engine.model.location);
  }

  /** Resolves with the completion, or (streaming) with undefined after the last chunk. */
  async create(request: unknown, options: CompletionCallOptions = {}): Promise<Completion | undefined> {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new LlmError('invalid_argument', 'the request must be a JSON object', 'body');
    const params = parseCompletionParams(request as Record<string, unknown>);
    if (params.stream && options.onChunks === undefined) throw invalidParam('stream', 'needs a chunk listener');
    options.signal?.throwIfAborted();
    // Every prompt is checked before any is queued, so a refused request has started nothing.
    const prompts = params.prompts.map((input, i) => this.prompt(input, params.promptLabels[i]!, params));
    const header: ResponseHeader = { id: makeCompletionId('cmpl-'), created: Math.floor(Date.now() / 1000), model: this.modelId };
    return this.run(header, prompts, params, options);
  }

  /**
   * Token ids for a prompt: text is tokenized with the tokenizer's special tokens (vLLM's
   * add_special_tokens, default true), ids go in unchanged; then vocabulary and context checks.
   */
  private prompt(input: PromptInput, label: string, params: CompletionParams): Prompt {
    const ids = 'ids' in input ? input.ids : this.tokenizer.encode(input.text, { addSpecialTokens: params.addSpecialTokens });
    if (ids.length === 0) throw invalidParam(label, 'has no tokens');
    const { model } = this.engine;
    try {
      checkPromptIds(model, ids);
    } catch (error) {
      throw isLlmError(error) ? new LlmError(error.code, `${label}: ${error.message}`, label) : error;
    }
    try {
      checkContextLength(model, ids.length, params.maxTokens);
    } catch (error) {
      if (!isLlmError(error)) throw error;
      // A prompt that leaves no room for one token is at fault itself, else what max_tokens asks for.
      const room = Math.min(model.maxModelLen, model.kvCache.numBlocks * model.kvCache.blockSize) - ids.length;
      throw new LlmError(error.code, `${label}: ${error.message.replaceAll('maxTokens', 'max_tokens')}`, room < 1 ? 'prompt' : 'max_tokens');
    }
    const text = !params.echo ? '' : 'text' in input ? input.text : this.tokenizer.decode(ids);
    return { ids, text, label };
  }

  private async run(header: ResponseHeader, prompts: readonly Prompt[], params: CompletionParams, options: CompletionCallOptions): Promise<Completion | undefined> {
    const chunks = params.stream ? new CompletionChunks(header) : undefined;
    const finished: FinishedText[] = [];
    const batch = new ChoiceBatch(this.engine);
    const emit = (chunk: Completion) => {
      if (!batch.aborted) options.onChunks?.([chunk]);
    };
    // max_tokens 0 with echo: the prompt is the whole answer, nothing is generated.
    const generate = params.maxTokens > 0;
    const badWords = params.badWords.length === 0 ? {} : { badWordIds: badWordIds(this.tokenizer, params.badWords) };
    // One progress over every prompt, as usage.prompt_tokens counts them (prefill-progress.ts).
    const progress = chunks === undefined || !params.includeProgress || !generate ? undefined
      : new PrefillProgressChunks(prompts.map((prompt) => prompt.ids.length), (value) => emit(chunks.progress(value)));
    try {
      prompts.forEach((prompt, p) => {
        for (let j = 0; j < params.n; j++) {
          const index = p * params.n + j;
          if (!generate) {
            finished[index] = { text: prompt.text, finishReason: 'length', logprobs: undefined };
            continue;
          }
          const id = `${header.id}-${index}`;
          // As vLLM: each prompt is its own request with the same sampling, so choice j draws with seed + j (wrapped).
          const seed = params.sampling.seed === undefined ? {} : { seed: choiceSeed(params.sampling.seed, j) };
          const listener = this.listener(id, index, prompt, params, finished, chunks, emit, batch, progress);
          const sampling = { ...params.sampling, ...seed, ...badWords, maxTokens: params.maxTokens };
          batch.add({ id, promptIds: prompt.ids, sampling, ...(progress === undefined ? {} : { reportPrefill: true }) }, listener);
        }
      });
    } catch (error) {
      batch.abort(); // requests already queued leave with the bad one
      throw renameEngineError(error);
    }
    if (!generate && chunks !== undefined) finished.forEach(({ text, finishReason }, index) => emit(chunks.text(index, text, undefined, finishReason)));
    const settled = await batch.settle(options.signal);
    const totals = this.usage(prompts, params.n, settled);
    if (chunks === undefined) return textCompletion(header, finished, totals);
    if (params.includeUsage) options.onChunks?.([chunks.usage(totals)]);
    return undefined;
  }

  /** One choice's text pipeline (detokenizer → stop strings), streamed as text deltas. */
  private listener(
    id: string, index: number, prompt: Prompt, params: CompletionParams, finished: FinishedText[],
    chunks: CompletionChunks | undefined, emit: (chunk: Completion) => void, batch: ChoiceBatch, progress: PrefillProgressChunks | undefined,
  ): (output: RequestOutput) => void {
    const choice = new ChoiceOutput(this.tokenizer, params.stop, textMode, params.stopOptions);
    let sent = 0; // characters streamed so far, echo included: the next text_offset
    let echoed = !params.echo;
    const send = (text: string, entries: number, finishReason: FinishedText['finishReason'] | null) => {
      if (chunks === undefined) return;
      const delta = (echoed ? '' : prompt.text) + text;
      echoed = true;
      const logprobs = params.logprobs === undefined ? undefined : legacyLogprobs(choice.logprobs.slice(choice.logprobs.length - entries), sent);
      sent += delta.length;
      if (delta !== '' || entries > 0 || finishReason !== null) emit(chunks.text(index, delta, logprobs, finishReason));
    };
    return (output) => {
      if (batch.aborted) return;
      if (output.prefilledTokens !== undefined) {
        progress?.note(Math.floor(index / params.n), output.prefilledTokens); // index = prompt × n + j
        return;
      }
      progress?.flush();
      const text = joinText(choice.push(output.tokenIds, output.logprobs));
      const entries = params.logprobs === undefined ? 0 : output.tokenIds.length;
      if (output.finishReason === undefined) {
        send(text, entries, null);
        // A stop string ends the request at this step; the abort's own output finishes the choice.
        if (choice.stopped) this.engine.abort(id);
        return;
      }
      const finishReason = output.finishReason === 'length' ? 'length' : 'stop';
      const tail = text + joinText(choice.finish());
      finished[index] = {
        text: prompt.text + choice.text,
        finishReason,
        logprobs: params.logprobs === undefined ? undefined : legacyLogprobs(choice.logprobs, 0),
      };
      send(tail, entries, finishReason);
    };
  }

  /** Each prompt's tokens once (not once per choice), every choice's tokens, cached tokens per prompt. */
  private usage(prompts: readonly Prompt[], n: number, settled: readonly RequestResult[]): CompletionUsage {
    const promptTokens = prompts.reduce((sum, prompt) => sum + prompt.ids.length, 0);
    const completionTokens = settled.reduce((sum, result) => sum + result.completionIds.length, 0);
    // As chat reports it: the first choice's cached prefix, here per prompt.
    const cached = prompts.reduce((sum, _, p) => sum + (settled[p * n]?.numCachedTokens ?? 0), 0);
    return usage(promptTokens, completionTokens, cached);
  }
}

function joinText(deltas: readonly StreamDelta[]): string {
  return deltas.map((delta) => ('content' in delta ? delta.content : '')).join('');
}

/** Engine errors name engine fields (stopTokenIds); callers wrote request fields (stop_token_ids). */
function renameEngineError(error: unknown): unknown {
  if (!isLlmError(error) || error.subject === undefined) return error;
  const param = error.subject === 'logprobs' ? 'logprobs' : engineFieldToParam[error.subject];
  if (param === undefined) return error;
  return new LlmError(error.code, error.message.replace(error.subject, param), param);
}
