/**
 * The public Completions API's shapes (vLLM's /v1/completions, OpenAI's legacy text completions).
 * Request and response types are the `openai` package's own (type imports only), widened with the
 * vLLM extras this engine honours, as chat-types.ts does for chat.
 */
import type {
  Completion,
  CompletionChoice,
  CompletionCreateParamsNonStreaming as OpenAINonStreaming,
  CompletionCreateParamsStreaming as OpenAIStreaming,
} from 'openai/resources/completions';
import type { PrefillProgress, RequestOptions, VllmExtraParams } from './chat-types.ts';

export type { Completion, CompletionChoice };

/** vLLM's sampling extras, and its `add_special_tokens` (default true: a text prompt gets e.g. Llama's BOS). */
export type VllmCompletionExtraParams = Pick<
  VllmExtraParams, 'top_k' | 'min_p' | 'repetition_penalty' | 'stop_token_ids' | 'ignore_eos' | 'min_tokens' | 'allowed_token_ids' | 'bad_words' | 'stream_options'
> & {
  add_special_tokens?: boolean | null;
};

export type CompletionCreateParamsNonStreaming = OpenAINonStreaming & VllmCompletionExtraParams;
export type CompletionCreateParamsStreaming = OpenAIStreaming & VllmCompletionExtraParams;
export type CompletionCreateParams = CompletionCreateParamsNonStreaming | CompletionCreateParamsStreaming;

/**
 * A streamed piece: OpenAI types it as a `Completion` whose choices carry text deltas. With
 * `stream_options.include_progress`, chunks with `choices: []` carry `prefill_progress` (all prompts together).
 */
export type CompletionChunk = Completion & { prefill_progress?: PrefillProgress };

export interface Completions {
  create(params: CompletionCreateParamsNonStreaming, options?: RequestOptions): Promise<Completion>;
  create(params: CompletionCreateParamsStreaming, options?: RequestOptions): Promise<AsyncIterable<CompletionChunk>>;
  create(params: CompletionCreateParams, options?: RequestOptions): Promise<Completion | AsyncIterable<CompletionChunk>>;
}

/** What `fetch` needs to serve POST /completions. */
export interface CompletionsApi {
  readonly completions: Completions;
}
