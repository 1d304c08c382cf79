/**
 * One conversation's state and its requests: the message history, and a send that runs the
 * page's tools through `runTools` (streaming), reporting every event to a TurnSink (the view of
 * one assistant turn). History grows from the runner's 'message' events, so the assistant's tool
 * calls and the tool results stay in it for later turns; a stopped turn keeps the text it had; a
 * failed one (a bad request, say) leaves the history as it was.
 */
import {
  isLlmError, runTools, type ChatApi, type ChatCompletionMessageParam, type RunnableTool, type ToolRun,
} from '../src/index.ts';
import { timedChatApi, type RoundTiming } from './request-timing.ts';

export interface SendSettings {
  readonly model: string;
  /** The enabled tools, in the trained order; none → the request has no `tools`. */
  readonly tools: RunnableTool[];
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
  /** false → `chat_template_kwargs: { enable_thinking: false }` (Qwen3). */
  readonly enableThinking: boolean;
  /** Generate all max tokens (vLLM's `ignore_eos`): for measuring throughput. */
  readonly ignoreEos: boolean;
}

export interface ToolCallView {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

export interface ToolResultView {
  readonly callId: string;
  readonly name: string;
  readonly content: string;
  readonly ok: boolean;
  readonly error?: string | undefined;
  readonly durationMs: number;
}

export type TurnOutcome = 'done' | 'stopped' | 'error';

/** What a send reports, in order: deltas, tool calls and results, one timing per round, one finish. */
export interface TurnSink {
  content(delta: string): void;
  reasoning(delta: string): void;
  toolCall(call: ToolCallView): void;
  toolResult(result: ToolResultView): void;
  round(timing: RoundTiming): void;
  /** Prompt tokens computed so far of a round still in prefill (a long message). */
  prefill(done: number, total: number): void;
  finish(outcome: TurnOutcome, detail?: string): void;
}

export class Conversation {
  private history: ChatCompletionMessageParam[] = [];
  private run: ToolRun | undefined;
  /** Bumped by clear(), so a reply that ends after it does not bring the old history back. */
  private epoch = 0;

  get busy(): boolean {
    return this.run !== undefined;
  }

  /** Sends `text` as the next user message; settles when the turn ends (never rejects). */
  async send(api: ChatApi, text: string, settings: SendSettings, sink: TurnSink): Promise<TurnOutcome> {
    if (this.run !== undefined) throw new Error('this conversation is already waiting for a reply');
    const messages: ChatCompletionMessageParam[] = [...this.history, { role: 'user', content: text }];
    const epoch = this.epoch;
    const appended: ChatCompletionMessageParam[] = [];
    let pendingContent = ''; // text of the round in flight, not yet in a 'message' event
    let run: ToolRun;
    try {
      run = runTools(timedChatApi(api, (timing) => sink.round(timing), (done, total) => sink.prefill(done, total)), {
        model: settings.model,
        messages,
        stream: true,
        ...(settings.tools.length > 0 ? { tools: settings.tools } : {}),
        ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
        ...(settings.maxTokens !== undefined ? { max_tokens: settings.maxTokens } : {}),
        ...(settings.enableThinking ? {} : { chat_template_kwargs: { enable_thinking: false } }),
        ...(settings.ignoreEos ? { ignore_eos: true } : {}),
      });
    } catch (error) {
      sink.finish('error', errorText(error));
      return 'error';
    }
    this.run = run;
    run.on('content', (event) => {
      pendingContent += event.delta;
      sink.content(event.delta);
    });
    run.on('reasoning', (event) => sink.reasoning(event.delta));
    run.on('tool_call', (event) => sink.toolCall(event.call));
    run.on('tool_result', (event) => sink.toolResult(event));
    run.on('message', (event) => {
      appended.push(event.message);
      pendingContent = '';
    });
    try {
      await run.done();
      if (epoch === this.epoch) this.history = [...messages, ...appended];
      sink.finish('done');
      return 'done';
    } catch (error) {
      const stopped = isLlmError(error, 'aborted');
      // Keep the exchange (and what the reply had so far) so the next turn reads naturally.
      const partial: ChatCompletionMessageParam[] = pendingContent === '' ? [] : [{ role: 'assistant', content: pendingContent }];
      if (stopped && epoch === this.epoch) this.history = [...messages, ...closeToolCalls(appended), ...partial];
      sink.finish(stopped ? 'stopped' : 'error', stopped ? undefined : errorText(error));
      return stopped ? 'stopped' : 'error';
    } finally {
      this.run = undefined;
    }
  }

  /** Stops the reply in flight (the request or a running tool); its KV blocks are freed. */
  stop(): void {
    this.run?.abort();
  }

  /** Forgets the history (another model was loaded: its template and tokens differ). */
  clear(): void {
    this.stop();
    this.epoch++;
    this.history = [];
  }
}

/** Cuts the messages at an assistant message whose tool calls did not all get results (stopped mid-tools). */
function closeToolCalls(messages: ChatCompletionMessageParam[]): ChatCompletionMessageParam[] {
  const answered = new Set(messages.flatMap((message) => (message.role === 'tool' ? [message.tool_call_id] : [])));
  const open = messages.findIndex((message) =>
    message.role === 'assistant' && (message.tool_calls ?? []).some((call) => !answered.has(call.id)));
  return open === -1 ? messages : messages.slice(0, open);
}

export function errorText(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
    const label = typeof code === 'string' ? code : typeof name === 'string' ? name : 'error';
    return `${label}: ${String(message)}`;
  }
  return String(error);
}
