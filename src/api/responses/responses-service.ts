/**
 * `responses.create` over any `ChatApi`: a Responses request becomes one chat completion request
 * (its conversation as messages, its settings as chat fields), and the chat reply becomes a
 * `Response`, or, streamed, the Responses event sequence. Because it needs only `chat.completions`,
 * it works the same over every backend. Stored responses (`store`, default true) let a follow-up
 * name its predecessor with `previous_response_id` instead of resending the conversation.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { isLlmError } from '../../errors.ts';
import type { ChatApi, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, RequestOptions } from '../../chat/chat-types.ts';
import { invalidParam, isString, show } from '../../chat/param-checks.ts';
import { continuesFinalMessage, inputItems, itemsToMessages } from './response-items.ts';
import { ResponseEventWriter } from './response-events.ts';
import { makeItemId, outputItems, responseObject, responseUsage, statusOf, type ResponseHeader } from './response-output.ts';
import { ResponseStore, type ResponseStoreLimits } from './response-store.ts';
import { chatRequest, checkResponsesFields, wantsLogprobs } from './responses-request.ts';
import type { ResponseCreateParams, ResponseObject, Responses, ResponseStreamEvent } from './responses-types.ts';

type Params = Record<string, unknown>;
type Item = Record<string, unknown>;

export interface ResponsesService extends Responses {
  /** A stored response by id (OpenAI's GET /v1/responses/{id}); unknown or evicted ids throw. */
  retrieve(id: string): Promise<ResponseObject>;
}

export function createResponses(api: ChatApi, limits: ResponseStoreLimits = {}): ResponsesService {
  const store = new ResponseStore(limits);

  async function create(params: ResponseCreateParams, options: RequestOptions = {}): Promise<ResponseObject | AsyncIterable<ResponseStreamEvent>> {
    const request = params as unknown as Params;
    checkResponsesFields(request);
    const { header, items, chat, store: keep } = prepare(request);
    const remember = (response: ResponseObject) => {
      if (keep) store.put(response.id, { response, items: [...items, ...(response.output as unknown as Item[])] });
    };
    if (request['stream'] !== true) {
      const completion = (await api.chat.completions.create({ ...chat, stream: false } as ChatCompletionCreateParamsNonStreaming, options)) as ChatCompletion;
      const choice = completion.choices[0];
      if (choice === undefined) throw new Error('the chat completion had no choice');
      const output = outputItems(choice);
      const response = responseObject(header, { model: completion.model, status: statusOf(choice.finish_reason), output, usage: responseUsage(completion.usage) });
      remember(response);
      return response;
    }
    const chunks = await api.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } } as ChatCompletionCreateParamsStreaming, options);
    // The first chunk names the model for response.created; a request refused before it has already thrown.
    const iterator = (chunks as AsyncIterable<ChatCompletionChunk>)[Symbol.asyncIterator]();
    const first = await iterator.next();
    const model = first.done === true ? String(request['model'] ?? '') : first.value.model;
    const writer = new ResponseEventWriter(header, wantsLogprobs(request));
    return events(writer, model, first, iterator, options.signal, remember);
  }

  /** The conversation so far (stored turns + this input) and the chat request for it. */
  function prepare(request: Params): { header: ResponseHeader; items: Item[]; chat: Params; store: boolean } {
    const previousId = request['previous_response_id'];
    let earlier: readonly Item[] = [];
    if (previousId !== undefined && previousId !== null) {
      if (!isString(previousId)) throw invalidParam('previous_response_id', `must be a string, got ${show(previousId)}`);
      const stored = store.get(previousId);
      if (stored === undefined) throw invalidParam('previous_response_id', `no stored response with id ${show(previousId)} (unknown, stored with store: false, or evicted)`);
      earlier = stored.items;
    }
    const input = inputItems(request['input']);
    if (input.length === 0 && earlier.length === 0) throw invalidParam('input', 'must not be empty');
    const items = [...earlier, ...input];
    // Errors name the request's own items (input[i]); the stored ones are named by their place before them.
    const path = (index: number) => (index < earlier.length ? `previous_response_id's conversation[${index}]` : `input[${index - earlier.length}]`);
    const messages: unknown[] = itemsToMessages(items, path);
    const instructions = request['instructions'];
    if (instructions !== undefined && instructions !== null) {
      if (!isString(instructions)) throw invalidParam('instructions', `must be a string, got ${show(instructions)}`);
      messages.unshift({ role: 'system', content: instructions });
    }
    const chat = chatRequest(request, messages, continuesFinalMessage(input));
    const id = isString(request['request_id']) ? request['request_id'] : makeItemId('resp');
    const header: ResponseHeader = { id, createdAt: Math.floor(Date.now() / 1000), params: request };
    return { header, items, chat, store: request['store'] !== false };
  }

  async function retrieve(id: string): Promise<ResponseObject> {
    const stored = store.get(id);
    if (stored === undefined) throw invalidParam('response_id', `no stored response with id ${show(id)}`);
    return stored.response;
  }

  return { create: create as Responses['create'], retrieve };
}

/** The event stream: lifecycle events around the chunks' events; a failure after the start is response.failed. */
async function* events(
  writer: ResponseEventWriter,
  model: string,
  first: IteratorResult<ChatCompletionChunk>,
  rest: AsyncIterator<ChatCompletionChunk>,
  signal: AbortSignal | undefined,
  remember: (response: ResponseObject) => void,
): AsyncGenerator<ResponseStreamEvent> {
  yield* writer.start(model);
  try {
    for (let next = first; next.done !== true; next = await rest.next()) yield* writer.push(next.value);
  } catch (error) {
    // An abort ends the stream as fetch ends one; anything else is the response's own failure.
    if (signal?.aborted === true || isLlmError(error, 'aborted')) throw error;
    yield* writer.fail(error);
    return;
  } finally {
    await rest.return?.();
  }
  const { events: last, response } = writer.finish();
  remember(response);
  yield* last;
}
