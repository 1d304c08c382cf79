/**
 * A finished chat completion as a Responses `Response`: its reasoning, text and tool calls as
 * output items (in that order, as vLLM builds them), its finish reason as a status, its usage
 * renamed, and the request's settings echoed back as OpenAI does.
 */
import type { ChatCompletion, ChatCompletionTokenLogprob } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { ResponseOutputText, ResponseStatus } from 'openai/resources/responses/responses';
import { makeCompletionId } from '../../chat/chat-response.ts';
import type { ResponseObject, ResponseOutputItem, ResponseUsage } from './responses-types.ts';

type Params = Record<string, unknown>;
type Logprob = ResponseOutputText.Logprob;

/** `resp_`, `msg_`, `rs_`, `fc_` + 32 random hex digits. */
export const makeItemId = (prefix: 'resp' | 'msg' | 'rs' | 'fc'): string => makeCompletionId(`${prefix}_`);

/** What a response says about itself before any output: its id, time and the request it answers. */
export interface ResponseHeader {
  readonly id: string;
  readonly createdAt: number;
  readonly params: Params;
}

/** A chat finish reason as a response status: cut off by the token limit is "incomplete". */
export function statusOf(finishReason: string | null | undefined): 'completed' | 'incomplete' {
  return finishReason === 'length' ? 'incomplete' : 'completed';
}

/** The output items of a chat reply: reasoning, then the message, then one item per tool call. */
export function outputItems(choice: ChatCompletion.Choice): ResponseOutputItem[] {
  const message = choice.message as ChatCompletion.Choice['message'] & { reasoning_content?: string | null };
  const status = statusOf(choice.finish_reason);
  const items: ResponseOutputItem[] = [];
  // Empty reasoning or text makes no item, as in vLLM: there is nothing to show or send back.
  if (message.reasoning_content) items.push(reasoningItem(makeItemId('rs'), message.reasoning_content));
  if (message.content) items.push(messageItem(makeItemId('msg'), message.content, logprobsOf(choice.logprobs?.content), 'completed'));
  for (const call of message.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    items.push({ type: 'function_call', id: makeItemId('fc'), call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: 'completed' });
  }
  // The item the limit cut short is incomplete; the ones before it were finished.
  const last = items.at(-1);
  if (status === 'incomplete' && last !== undefined && last.type !== 'reasoning') (last as { status: string }).status = 'incomplete';
  return items;
}

export function reasoningItem(id: string, text: string): ResponseOutputItem {
  return { type: 'reasoning', id, summary: [], content: [{ type: 'reasoning_text', text }], status: 'completed' };
}

export function messageItem(id: string, text: string, logprobs: Logprob[] | undefined, status: 'in_progress' | 'completed' | 'incomplete'): ResponseOutputItem {
  return { type: 'message', id, role: 'assistant', status, content: [textPart(text, logprobs)] };
}

export function textPart(text: string, logprobs: Logprob[] | undefined): ResponseOutputText {
  return { type: 'output_text', text, annotations: [], ...(logprobs !== undefined ? { logprobs } : {}) };
}

/** Chat token logprobs in the Responses shape (bytes are a list there, never null). */
export function logprobsOf(tokens: readonly ChatCompletionTokenLogprob[] | null | undefined): Logprob[] | undefined {
  if (tokens === null || tokens === undefined) return undefined;
  return tokens.map((token) => ({
    token: token.token,
    logprob: token.logprob,
    bytes: token.bytes ?? [],
    top_logprobs: token.top_logprobs.map((top) => ({ token: top.token, logprob: top.logprob, bytes: top.bytes ?? [] })),
  }));
}

export function responseUsage(usage: CompletionUsage | undefined): ResponseUsage | undefined {
  if (usage === undefined) return undefined;
  const reasoning = (usage.completion_tokens_details as { reasoning_tokens?: number } | undefined)?.reasoning_tokens ?? 0;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: usage.total_tokens,
  } as ResponseUsage;
}

/** The whole `Response`; `model` is the model that answered, which the request may not have named. */
export function responseObject(
  header: ResponseHeader,
  state: { model: string; status: ResponseStatus; output: ResponseOutputItem[]; usage?: ResponseUsage | undefined },
): ResponseObject {
  const { params } = header;
  const echo = (field: string, otherwise: unknown = null) => params[field] ?? otherwise;
  return {
    id: header.id,
    object: 'response',
    created_at: header.createdAt,
    status: state.status,
    ...(state.status === 'completed' ? { completed_at: Math.floor(Date.now() / 1000) } : {}),
    error: null,
    incomplete_details: state.status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: echo('instructions'),
    max_output_tokens: echo('max_output_tokens'),
    metadata: echo('metadata'),
    model: state.model,
    output: state.output,
    parallel_tool_calls: echo('parallel_tool_calls', true),
    previous_response_id: echo('previous_response_id'),
    reasoning: echo('reasoning'),
    store: echo('store', true),
    temperature: echo('temperature'),
    text: echo('text', { format: { type: 'text' } }),
    tool_choice: echo('tool_choice', 'auto'),
    tools: echo('tools', []),
    top_p: echo('top_p'),
    truncation: echo('truncation', 'disabled'),
    background: false,
    ...(params['user'] !== undefined ? { user: params['user'] } : {}),
    ...(state.usage !== undefined ? { usage: state.usage } : {}),
    // The echoed fields are the request's own values, checked by the time a response exists.
  } as unknown as ResponseObject;
}
