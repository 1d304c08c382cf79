/**
 * The public chat API's shapes. Request and response types are the `openai` package's own (type
 * imports only), widened with the vLLM extras this engine honours, so code written for OpenAI or
 * vLLM compiles against it unchanged.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk as OpenAIChunk,
  ChatCompletionCreateParamsNonStreaming as OpenAINonStreaming,
  ChatCompletionCreateParamsStreaming as OpenAIStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';

export type { ChatCompletion, ChatCompletionMessageParam, ChatCompletionTool };

/** How far a streamed request's prompt is prefilled (`stream_options.include_progress`). */
export interface PrefillProgress {
  /** Prompt tokens computed or served by the prefix cache so far. */
  processed_tokens: number;
  /** The prompt's length: usage.prompt_tokens. */
  total_tokens: number;
}

/** OpenAI's chunk; with `stream_options.include_progress`, chunks with `choices: []` carry `prefill_progress`. */
export type ChatCompletionChunk = OpenAIChunk & { prefill_progress?: PrefillProgress };

/** OpenAI's stream options, with vLLM's continuous usage and this engine's prefill progress. */
export interface VllmStreamOptions {
  include_usage?: boolean | null;
  include_obfuscation?: boolean | null;
  /** vLLM: usage on every chunk (with include_usage). */
  continuous_usage_stats?: boolean | null;
  /** Chunks with `prefill_progress` while the prompt is prefilled, before the first token. */
  include_progress?: boolean | null;
}

/** vLLM's extras this engine honours, accepted beside OpenAI's fields (request-fields.ts has the full policy). */
export interface VllmExtraParams {
  top_k?: number | null;
  min_p?: number | null;
  repetition_penalty?: number | null;
  stop_token_ids?: number[] | null;
  ignore_eos?: boolean | null;
  /** No EOS or stop token id, and no stop string, before this many completion tokens. */
  min_tokens?: number | null;
  include_stop_str_in_output?: boolean | null;
  allowed_token_ids?: number[] | null;
  bad_words?: string[] | null;
  chat_template?: string | null;
  chat_template_kwargs?: Record<string, unknown> | null;
  add_generation_prompt?: boolean | null;
  /** Render the final (assistant) message open, so the reply continues it. */
  continue_final_message?: boolean | null;
  /** Start the reply with the last message's text. */
  echo?: boolean | null;
  add_special_tokens?: boolean | null;
  documents?: Record<string, string>[] | null;
  truncate_prompt_tokens?: number | null;
  include_reasoning?: boolean | null;
  request_id?: string | null;
  stream_options?: VllmStreamOptions | null;
  structured_outputs?: { json?: Record<string, unknown> | string | null; json_object?: boolean | null } | null;
  guided_json?: Record<string, unknown> | string | null;
}

export type ChatCompletionCreateParamsNonStreaming = OpenAINonStreaming & VllmExtraParams;
export type ChatCompletionCreateParamsStreaming = OpenAIStreaming & VllmExtraParams;
export type ChatCompletionCreateParams = ChatCompletionCreateParamsNonStreaming | ChatCompletionCreateParamsStreaming;

export interface RequestOptions {
  /** Cancels the request at the next step; its KV blocks are freed and the call rejects. */
  signal?: AbortSignal | undefined;
}

export interface ChatCompletions {
  create(params: ChatCompletionCreateParamsNonStreaming, options?: RequestOptions): Promise<ChatCompletion>;
  create(params: ChatCompletionCreateParamsStreaming, options?: RequestOptions): Promise<AsyncIterable<ChatCompletionChunk>>;
  create(params: ChatCompletionCreateParams, options?: RequestOptions): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
}

/** One entry of `models.list()`, as vLLM's /v1/models reports it. */
export interface ModelCard {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  root: string;
  max_model_len: number;
}

export interface ModelList {
  object: 'list';
  data: ModelCard[];
}

export interface ModelsApi {
  list(): Promise<ModelList>;
}

/** What the tool runner and `fetch` need from an engine. */
export interface ChatApi {
  readonly chat: { readonly completions: ChatCompletions };
  readonly models: ModelsApi;
}
