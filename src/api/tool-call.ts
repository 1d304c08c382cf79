/**
 * One tool call, from the model's request to the text of its `role: 'tool'` message. Every
 * failure the model could act on (unknown tool, arguments that are not JSON or break the schema, a
 * thrown error, a timeout) becomes an error result it can read; only an abort of the whole run
 * escapes as an exception.
 */
import { LlmError } from '../errors.ts';
import type { ToolRegistry } from './tool-registry.ts';
import type { ToolCallSummary } from './tool-types.ts';

export interface ToolOutcome {
  /** The tool message's content. */
  readonly content: string;
  readonly ok: boolean;
  /** Why it failed, for UIs; the model reads the same text inside `content`. */
  readonly error?: string;
}

/** What `done()` rejects with when a run is aborted: the same typed error as an aborted request. */
export function toolAbortError(message = 'the tool run was aborted'): LlmError {
  return new LlmError('aborted', message);
}

const failure = (error: string): ToolOutcome => ({ content: JSON.stringify({ error }), ok: false, error });

const messageOf = (error: unknown) =>
  error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);

/** A return value as tool message text: strings as they are, anything else as JSON. */
function resultContent(value: unknown): ToolOutcome {
  if (typeof value === 'string') return { content: value, ok: true };
  if (value === undefined) return { content: '', ok: true };
  try {
    return { content: JSON.stringify(value) ?? '', ok: true }; // functions and symbols stringify to undefined
  } catch (error) {
    return failure(`the tool's result could not be turned into JSON: ${messageOf(error)}`);
  }
}

export async function executeToolCall(
  registry: ToolRegistry,
  call: ToolCallSummary,
  runSignal: AbortSignal,
  defaultTimeoutMs: number,
): Promise<ToolOutcome> {
  const registered = registry.get(call.name);
  if (registered === undefined) {
    const known = registry.names;
    return failure(`tool '${call.name}' does not exist; ${known.length === 0 ? 'no tools are available' : `available tools: ${known.join(', ')}`}`);
  }
  let args: unknown;
  try {
    // Models write "" for a call without arguments.
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch (error) {
    return failure(`the arguments of tool '${call.name}' are not valid JSON: ${messageOf(error)}`);
  }
  const { tool, validate } = registered;
  if (validate !== undefined && !validate(args)) {
    return failure(`invalid arguments for tool '${call.name}': ${registry.errorsText(validate)}`);
  }
  const timeoutMs = tool.timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(runSignal.reason);
  runSignal.addEventListener('abort', onRunAbort, { once: true });
  // The tool sees this as its signal's reason, as with AbortSignal.timeout().
  const timeout = new DOMException(`tool '${call.name}' timed out after ${timeoutMs} ms`, 'TimeoutError');
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const value = await new Promise<unknown>((resolve, reject) => {
      // The tool's own promise may never settle, so the timeout and the abort settle this one.
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      timer = setTimeout(() => controller.abort(timeout), timeoutMs);
      Promise.resolve()
        .then(() => tool.run(args, { signal: controller.signal, callId: call.id }))
        .then(resolve, reject);
    });
    return resultContent(value);
  } catch (error) {
    if (runSignal.aborted) throw runSignal.reason;
    if (error === timeout) return failure(timeout.message);
    return failure(messageOf(error));
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener('abort', onRunAbort);
  }
}
