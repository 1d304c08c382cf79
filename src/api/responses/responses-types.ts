/**
 * The Responses API's shapes. Requests, items and stream events are the `openai` package's own
 * (type imports only), widened with the vLLM extras passed on to chat completions, so code written
 * for OpenAI's or vLLM's /v1/responses compiles against `engine.responses` unchanged.
 */
import type {
  Response as OpenAIResponse,
  ResponseCreateParamsNonStreaming as OpenAINonStreaming,
  ResponseCreateParamsStreaming as OpenAIStreaming,
  ResponseInputItem,
  ResponseOutputItem,
  ResponseStreamEvent as OpenAIStreamEvent,
  ResponseUsage,
} from 'openai/resources/responses/responses';
import type { RequestOptions, VllmExtraParams } from '../../chat/chat-types.ts';

export type { ResponseInputItem, ResponseOutputItem, ResponseUsage };

/** vLLM's extras on a Responses request (its ResponsesRequest, plus the chat sampling fields this engine honours). */
export type ResponsesExtraParams = Pick<
  VllmExtraParams,
  | 'top_k' | 'min_p' | 'repetition_penalty' | 'stop_token_ids' | 'ignore_eos' | 'min_tokens' | 'include_stop_str_in_output'
  | 'allowed_token_ids' | 'bad_words' | 'chat_template_kwargs' | 'request_id' | 'structured_outputs'
> & {
  seed?: number | null;
  stop?: string | string[] | null;
  logit_bias?: Record<string, number> | null;
  skip_special_tokens?: boolean | null;
};

export type ResponseCreateParamsNonStreaming = OpenAINonStreaming & ResponsesExtraParams;
export type ResponseCreateParamsStreaming = OpenAIStreaming & ResponsesExtraParams;
export type ResponseCreateParams = ResponseCreateParamsNonStreaming | ResponseCreateParamsStreaming;

/**
 * A response as it goes over the wire: OpenAI's `Response` without `output_text`, which the
 * `openai` SDK computes from the output items on its side (see `outputText`).
 */
export type ResponseObject = Omit<OpenAIResponse, 'output_text'>;

/** OpenAI's stream events, their `response` snapshots as they go over the wire (no output_text). */
export type ResponseStreamEvent = OpenAIStreamEvent extends infer E
  ? E extends { response: unknown } ? Omit<E, 'response'> & { response: ResponseObject } : E
  : never;

export interface Responses {
  create(params: ResponseCreateParamsNonStreaming, options?: RequestOptions): Promise<ResponseObject>;
  create(params: ResponseCreateParamsStreaming, options?: RequestOptions): Promise<AsyncIterable<ResponseStreamEvent>>;
  create(params: ResponseCreateParams, options?: RequestOptions): Promise<ResponseObject | AsyncIterable<ResponseStreamEvent>>;
}

/** What `fetch` needs to serve POST …/responses. */
export interface ResponsesApi {
  readonly responses: Responses;
}

/** The text of every output_text part of every message item, as the SDK's `response.output_text`. */
export function outputText(response: Pick<ResponseObject, 'output'>): string {
  return response.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}
