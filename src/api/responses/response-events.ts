/**
 * Chat completion chunks as Responses stream events, the sequence vLLM sends for a non-Harmony
 * model: response.created and response.in_progress; then per output item output_item.added, its
 * content_part.added, reasoning_text / output_text / function_call_arguments deltas, their .done,
 * content_part.done and output_item.done; last response.completed (or .incomplete, or .failed).
 * An item opens on the first non-empty delta of its kind and closes when another kind starts, so
 * the deltas fold into exactly the output of the final response, which is built from the same
 * items. Sequence numbers count every event from 0.
 */
import type { ChatCompletionChunk, ChatCompletionTokenLogprob } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { ResponseTextDeltaEvent } from 'openai/resources/responses/responses';
import { isLlmError } from '../../errors.ts';
import { logprobsOf, makeItemId, messageItem, reasoningItem, responseObject, responseUsage, statusOf, textPart, type ResponseHeader } from './response-output.ts';
import type { ResponseObject, ResponseOutputItem, ResponseStreamEvent } from './responses-types.ts';

type Event = ResponseStreamEvent;
/** An event before its sequence number (distributed over the union, so each variant keeps its fields). */
type Unnumbered = Event extends infer E ? (E extends Event ? Omit<E, 'sequence_number'> : never) : never;

type OpenItem =
  | { kind: 'reasoning'; id: string; index: number; text: string }
  | { kind: 'message'; id: string; index: number; text: string; logprobs: ChatCompletionTokenLogprob[] | undefined }
  | { kind: 'call'; id: string; index: number; callId: string; name: string; arguments: string };

export class ResponseEventWriter {
  private sequence = 0;
  private readonly output: ResponseOutputItem[] = [];
  private open: OpenItem | undefined;
  private model = '';
  private finishReason: string | null = null;
  private usage: CompletionUsage | undefined;

  /** `logprobs`: the request included message.output_text.logprobs. */
  constructor(private readonly header: ResponseHeader, private readonly logprobs: boolean) {}

  /** response.created and response.in_progress, with the model that will answer. */
  start(model: string): Event[] {
    this.model = model;
    const response = this.snapshot('in_progress');
    return [this.number({ type: 'response.created', response }), this.number({ type: 'response.in_progress', response })];
  }

  push(chunk: ChatCompletionChunk): Event[] {
    const events: Unnumbered[] = [];
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = chunk.usage;
    // A Responses request is one choice.
    for (const choice of chunk.choices.filter((entry) => entry.index === 0)) {
      const delta = choice.delta as ChatCompletionChunk.Choice.Delta & { reasoning_content?: string | null };
      if (delta.reasoning_content) events.push(...this.reasoningDelta(delta.reasoning_content));
      if (delta.content) events.push(...this.textDelta(delta.content, choice.logprobs?.content ?? undefined));
      for (const piece of delta.tool_calls ?? []) events.push(...this.callDelta(piece));
      if (choice.finish_reason !== null) this.finishReason = choice.finish_reason;
    }
    return events.map((event) => this.number(event));
  }

  /** The last events and the final response, whose output is what the deltas built. */
  finish(): { events: Event[]; response: ResponseObject } {
    const status = statusOf(this.finishReason);
    const closing = this.close(status === 'incomplete' ? 'incomplete' : 'completed');
    const response = this.snapshot(status);
    const last: Unnumbered = status === 'incomplete' ? { type: 'response.incomplete', response } : { type: 'response.completed', response };
    return { events: [...closing, last].map((event) => this.number(event)), response };
  }

  /** response.failed, for an error after the stream began (before it, the request itself fails). */
  fail(error: unknown): Event[] {
    const message = error instanceof Error || isLlmError(error) ? (error as { message: string }).message : String(error);
    const response = { ...this.snapshot('failed'), error: { code: 'server_error' as const, message } };
    return [this.number({ type: 'response.failed', response })];
  }

  private snapshot(status: ResponseObject['status'] & string): ResponseObject {
    const usage = status === 'in_progress' ? undefined : responseUsage(this.usage);
    return responseObject(this.header, { model: this.model, status, output: structuredClone(this.output), usage });
  }

  private number(event: Unnumbered): Event {
    return { ...event, sequence_number: this.sequence++ } as Event;
  }

  private reasoningDelta(text: string): Unnumbered[] {
    const events: Unnumbered[] = [];
    if (this.open?.kind !== 'reasoning') {
      events.push(...this.close('completed'));
      const item = { kind: 'reasoning' as const, id: makeItemId('rs'), index: this.output.length, text: '' };
      this.open = item;
      this.output.push({ type: 'reasoning', id: item.id, summary: [], status: 'in_progress' });
      events.push(
        { type: 'response.output_item.added', output_index: item.index, item: { type: 'reasoning', id: item.id, summary: [], status: 'in_progress' } },
        { type: 'response.content_part.added', output_index: item.index, item_id: item.id, content_index: 0, part: { type: 'reasoning_text', text: '' } },
      );
    }
    const item = this.open as Extract<OpenItem, { kind: 'reasoning' }>;
    item.text += text;
    events.push({ type: 'response.reasoning_text.delta', output_index: item.index, item_id: item.id, content_index: 0, delta: text });
    return events;
  }

  private textDelta(text: string, tokens: ChatCompletionTokenLogprob[] | undefined): Unnumbered[] {
    const events: Unnumbered[] = [];
    if (this.open?.kind !== 'message') {
      events.push(...this.close('completed'));
      const item = { kind: 'message' as const, id: makeItemId('msg'), index: this.output.length, text: '', logprobs: this.logprobs ? [] : undefined };
      this.open = item;
      this.output.push({ type: 'message', id: item.id, role: 'assistant', status: 'in_progress', content: [] });
      events.push(
        { type: 'response.output_item.added', output_index: item.index, item: { type: 'message', id: item.id, role: 'assistant', status: 'in_progress', content: [] } },
        { type: 'response.content_part.added', output_index: item.index, item_id: item.id, content_index: 0, part: textPart('', this.logprobs ? [] : undefined) },
      );
    }
    const item = this.open as Extract<OpenItem, { kind: 'message' }>;
    item.text += text;
    const pieces = this.logprobs ? (tokens ?? []) : [];
    item.logprobs?.push(...pieces);
    const logprobs: ResponseTextDeltaEvent.Logprob[] = pieces.map((token) => ({
      token: token.token, logprob: token.logprob, top_logprobs: token.top_logprobs.map((top) => ({ token: top.token, logprob: top.logprob })),
    }));
    events.push({ type: 'response.output_text.delta', output_index: item.index, item_id: item.id, content_index: 0, delta: text, logprobs });
    return events;
  }

  private callDelta(piece: ChatCompletionChunk.Choice.Delta.ToolCall): Unnumbered[] {
    const events: Unnumbered[] = [];
    // A piece with an id opens the next call; the pieces after it carry that call's arguments.
    if (piece.id !== undefined || this.open?.kind !== 'call') {
      events.push(...this.close('completed'));
      const item = { kind: 'call' as const, id: makeItemId('fc'), index: this.output.length, callId: piece.id ?? makeItemId('fc'), name: piece.function?.name ?? '', arguments: '' };
      this.open = item;
      const added = { type: 'function_call' as const, id: item.id, call_id: item.callId, name: item.name, arguments: '', status: 'in_progress' as const };
      this.output.push(added);
      events.push({ type: 'response.output_item.added', output_index: item.index, item: { ...added } });
    }
    const item = this.open as Extract<OpenItem, { kind: 'call' }>;
    const fragment = piece.function?.arguments ?? '';
    if (fragment !== '') {
      item.arguments += fragment;
      events.push({ type: 'response.function_call_arguments.delta', output_index: item.index, item_id: item.id, delta: fragment });
    }
    return events;
  }

  /** The .done events of the open item, whose final form replaces its placeholder in the output. */
  private close(status: 'completed' | 'incomplete'): Unnumbered[] {
    const item = this.open;
    if (item === undefined) return [];
    this.open = undefined;
    const { index, id } = item;
    if (item.kind === 'reasoning') {
      const done = reasoningItem(id, item.text);
      this.output[index] = done;
      return [
        { type: 'response.reasoning_text.done', output_index: index, item_id: id, content_index: 0, text: item.text },
        { type: 'response.content_part.done', output_index: index, item_id: id, content_index: 0, part: { type: 'reasoning_text', text: item.text } },
        { type: 'response.output_item.done', output_index: index, item: structuredClone(done) },
      ];
    }
    if (item.kind === 'message') {
      const logprobs = logprobsOf(item.logprobs);
      const done = messageItem(id, item.text, logprobs, status);
      this.output[index] = done;
      return [
        { type: 'response.output_text.done', output_index: index, item_id: id, content_index: 0, text: item.text, logprobs: logprobs ?? [] },
        { type: 'response.content_part.done', output_index: index, item_id: id, content_index: 0, part: textPart(item.text, logprobs) },
        { type: 'response.output_item.done', output_index: index, item: structuredClone(done) },
      ];
    }
    const done: ResponseOutputItem = { type: 'function_call', id, call_id: item.callId, name: item.name, arguments: item.arguments, status };
    this.output[index] = done;
    return [
      { type: 'response.function_call_arguments.done', output_index: index, item_id: id, name: item.name, arguments: item.arguments },
      { type: 'response.output_item.done', output_index: index, item: structuredClone(done) },
    ];
  }
}
