/**
 * One tool call, from the model's request to the text of its `role: 'tool'` message. Every
 * failure the model could act on (unknown tool, arguments that are too long, not JSON, not an
 * object or break the schema, a thrown error, a timeout) becomes an error result it can read; only
 * an abort of the whole run escapes as an exception.
 */
import { LlmError } from '../errors.ts';
import { failure, messageOf, resultContent, type ToolOutcome } from '../tools/tool-outcome.ts';
import type { ToolRegistry } from '../tools/tool-registry.ts';
import type { ToolCallSummary } from '../tools/tool-types.ts';

export type { ToolOutcome } from '../tools/tool-outcome.ts';

/** What `done()` rejects with when a run is aborted: the same typed error as an aborted request. */
export function toolAbortError(message = 'the tool run was aborted'): LlmError {
  return new LlmError('aborted', message);
}

export interface CallLimits {
  readonly toolTimeoutMs: number;
  readonly maxToolResultChars: number;
  readonly maxToolArgumentsChars: number;
}

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/** The call's arguments, parsed and checked, or the error result the model gets instead. */
function checkedArguments(registry: ToolRegistry, call: ToolCallSummary, limits: CallLimits): { args: Record<string, unknown> } | ToolOutcome {
  const fail = (why: string) => failure(why, limits.maxToolResultChars);
  // Bounded before parsing and validating, whose cost grows with the text.
  if (call.arguments.length > limits.maxToolArgumentsChars) {
    return fail(`invalid arguments for tool '${call.name}': ${call.arguments.length} characters, more than the ${limits.maxToolArgumentsChars} allowed`);
  }
  let args: unknown;
  try {
    // Models write "" for a call without arguments.
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch (error) {
    return fail(`the arguments of tool '${call.name}' are not valid JSON: ${messageOf(error)}`);
  }
  // With or without a schema, a tool's function receives an object.
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return fail(`invalid arguments for tool '${call.name}': arguments must be a JSON object, not ${kindOf(args)}`);
  }
  const { validate } = registry.get(call.name)!;
  if (validate === undefined) return { args: args as Record<string, unknown> };
  let valid: unknown;
  try {
    valid = validate(args);
  } catch (error) {
    return fail(`invalid arguments for tool '${call.name}': they could not be checked (${messageOf(error)})`);
  }
  if (valid !== true) return fail(`invalid arguments for tool '${call.name}': ${registry.errorsText(validate)}`);
  return { args: args as Record<string, unknown> };
}

export async function executeToolCall(registry: ToolRegistry, call: ToolCallSummary, runSignal: AbortSignal, limits: CallLimits): Promise<ToolOutcome> {
  const registered = registry.get(call.name);
  if (registered === undefined) {
    const known = registry.names;
    return failure(`tool '${call.name}' does not exist; ${known.length === 0 ? 'no tools are available' : `available tools: ${known.join(', ')}`}`, limits.maxToolResultChars);
  }
  const checked = checkedArguments(registry, call, limits);
  if (!('args' in checked)) return checked;
  const { tool, timeoutMs = limits.toolTimeoutMs } = registered;
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
        .then(() => tool.run(checked.args, { signal: controller.signal, callId: call.id }))
        .then(resolve, reject);
    });
    return resultContent(value, call.name, limits.maxToolResultChars);
  } catch (error) {
    if (runSignal.aborted) throw runSignal.reason;
    if (error === timeout) return failure(timeout.message, limits.maxToolResultChars);
    return failure(messageOf(error), limits.maxToolResultChars);
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener('abort', onRunAbort);
  }
}
