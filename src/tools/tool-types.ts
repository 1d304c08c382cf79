/**
 * Shapes of the in-page tool runner: the tools a page registers (a chat tool plus the function that
 * runs it), the runner's options, the events it emits for UIs, and what a finished run reports.
 */
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from '../chat/chat-types.ts';

/** What a tool's function receives beside its (validated) arguments. */
export interface ToolContext {
  /** Aborted when the call times out or the run is aborted. */
  readonly signal: AbortSignal;
  /** The model's `tool_call_id` for this call. */
  readonly callId: string;
}

export interface RunnableTool {
  type: 'function';
  function: {
    name: string;
    description?: string | undefined;
    /** JSON schema the arguments are validated against before `run` is called. */
    parameters?: Record<string, unknown> | undefined;
    strict?: boolean | null | undefined;
  };
  /** The page's function; its return value (string as is, else JSON) is the tool message. */
  // `any` so a page can type its parameter as the shape its schema guarantees.
  run: (args: any, context: ToolContext) => unknown;
  /** Overrides the runner's `toolTimeoutMs` for this tool (same rules). */
  timeoutMs?: number | undefined;
}

export interface ToolRunnerOptions {
  /** Most create() calls in one run; default 10. */
  maxRounds?: number | undefined;
  /**
   * Default per-call timeout of a tool's function; default 30 000 ms. A positive finite number;
   * values above 2^31 - 1 ms (what setTimeout can hold, about 24.8 days) are clamped to it.
   */
  toolTimeoutMs?: number | undefined;
  /**
   * Longest tool message the model gets, in characters; default 16 384, and on an engine at most
   * half its context length, so one result leaves room for the rest of the conversation. A longer
   * text result is cut and says so; a longer JSON result (or error) is replaced by an error result
   * saying it was too large.
   */
  maxToolResultChars?: number | undefined;
  /** Longest arguments text a call may have; a longer one gets an error result, unparsed. Default 65 536. */
  maxToolArgumentsChars?: number | undefined;
}

type WithRunnableTools<P> = Omit<P, 'tools'> & { tools?: RunnableTool[] | undefined } & ToolRunnerOptions;

export type RunToolsParams =
  | WithRunnableTools<ChatCompletionCreateParamsNonStreaming>
  | WithRunnableTools<ChatCompletionCreateParamsStreaming>;

export interface ToolCallSummary {
  readonly id: string;
  readonly name: string;
  /** The arguments JSON text as the model wrote it. */
  readonly arguments: string;
}

export type ToolRunEvent =
  | { readonly type: 'content'; readonly delta: string }
  | { readonly type: 'reasoning'; readonly delta: string }
  /** Streaming with stream_options.include_progress: how far a round's prompt is prefilled. */
  | { readonly type: 'progress'; readonly round: number; readonly processedTokens: number; readonly totalTokens: number }
  | { readonly type: 'tool_call'; readonly round: number; readonly call: ToolCallSummary }
  | {
      readonly type: 'tool_result';
      readonly round: number;
      readonly callId: string;
      readonly name: string;
      readonly content: string;
      readonly ok: boolean;
      readonly error?: string;
      /** Set when a text result was cut to `maxToolResultChars`: its full length. */
      readonly truncatedFrom?: number;
      readonly durationMs: number;
    }
  | { readonly type: 'message'; readonly message: ChatCompletionMessageParam }
  | { readonly type: 'completion'; readonly completion: ChatCompletion };

export type ToolRunEventType = ToolRunEvent['type'];
export type ToolRunEventOf<T extends ToolRunEventType> = Extract<ToolRunEvent, { type: T }>;

export interface ToolRunResult {
  /** The whole conversation: the request's messages followed by every appended one. */
  readonly messages: ChatCompletionMessageParam[];
  /** The last reply's content (null when it had none). */
  readonly finalContent: string | null;
  /** One per round, in order (reassembled from chunks when streaming). */
  readonly completions: ChatCompletion[];
  readonly rounds: number;
  /** True when the run stopped because the last allowed reply still asked for tools. */
  readonly hitRoundLimit: boolean;
}

export interface ToolRun {
  /** Adds a listener; returns the function that removes it. */
  on<T extends ToolRunEventType>(type: T, listener: (event: ToolRunEventOf<T>) => void): () => void;
  /** Settles when the loop ends; rejects with `LlmError('aborted')` on abort. */
  done(): Promise<ToolRunResult>;
  /** Cancels the current request and any running tool. */
  abort(): void;
}
