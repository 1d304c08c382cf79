/**
 * Checks a request's `messages` and `tools` before they reach the chat template. Each problem is an
 * `invalid_argument` error whose subject is the field path (`messages[2].tool_calls[0].id`), so
 * a caller learns exactly what to fix instead of getting a template error or a silent drop.
 */
import { LlmError } from '../errors.ts';
import type { ChatCompletionFunctionTool } from './chat-template.ts';
import type { ChatCompletionMessageParam } from './chat-types.ts';

type Role = 'system' | 'user' | 'assistant' | 'tool';
type Json = Record<string, unknown>;

/** OpenAI's fields per role, plus vLLM's `reasoning_content` on assistant messages. */
const messageFields: Readonly<Record<Role, ReadonlySet<string>>> = {
  system: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  assistant: new Set(['role', 'content', 'name', 'tool_calls', 'refusal', 'reasoning_content']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};

/** Content part types OpenAI defines that this text-only engine refuses by name. */
const mediaParts = new Set(['image_url', 'input_audio', 'file', 'audio_url', 'video_url']);

const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;

const invalid = (subject: string, message: string): LlmError => new LlmError('invalid_argument', message, subject);
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isRole = (value: unknown): value is Role => typeof value === 'string' && Object.hasOwn(messageFields, value);
const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

export function validateMessages(messages: unknown): ChatCompletionMessageParam[] {
  if (!Array.isArray(messages)) throw invalid('messages', `must be an array of messages, got ${show(messages)}`);
  if (messages.length === 0) throw invalid('messages', 'must not be empty');
  // Ids of the calls a tool message may answer: those made since the last user message.
  const openCalls = new Set<string>();
  messages.forEach((message: unknown, index) => {
    const path = `messages[${index}]`;
    if (!isObject(message)) throw invalid(path, `must be an object, got ${show(message)}`);
    const role = message['role'];
    if (!isRole(role)) throw invalid(`${path}.role`, `must be one of "system", "user", "assistant", "tool", got ${show(role)}`);
    const unknown = Object.keys(message).find((key) => !messageFields[role].has(key));
    if (unknown !== undefined) throw invalid(`${path}.${unknown}`, `is not a field of a ${role} message`);
    optionalString(message, 'name', path);
    if (role === 'user') openCalls.clear();
    if (role === 'assistant') {
      const callIds = validateToolCalls(message['tool_calls'], `${path}.tool_calls`);
      for (const id of callIds) openCalls.add(id);
      optionalString(message, 'refusal', path, true);
      optionalString(message, 'reasoning_content', path, true);
      // OpenAI: content may be left out only when the message carries tool calls.
      if (callIds.length === 0 || (message['content'] !== undefined && message['content'] !== null)) {
        validateContent(message['content'], `${path}.content`, role);
      }
    } else {
      validateContent(message['content'], `${path}.content`, role);
    }
    if (role === 'tool') {
      const id = message['tool_call_id'];
      if (typeof id !== 'string') throw invalid(`${path}.tool_call_id`, `must be a string, got ${show(id)}`);
      if (!openCalls.has(id)) {
        throw invalid(`${path}.tool_call_id`, `${show(id)} does not match a tool call of an assistant message since the last user message`);
      }
    }
  });
  return messages as ChatCompletionMessageParam[];
}

function optionalString(message: Json, field: string, path: string, nullable = false): void {
  const value = message[field];
  if (value === undefined || (nullable && value === null) || typeof value === 'string') return;
  throw invalid(`${path}.${field}`, `must be a string${nullable ? ' or null' : ''}, got ${show(value)}`);
}

function validateContent(content: unknown, path: string, role: Role): void {
  if (typeof content === 'string') return;
  const expected = role === 'assistant' ? 'a string, an array of text parts, or null with tool_calls' : 'a string or an array of text parts';
  if (!Array.isArray(content)) throw invalid(path, `must be ${expected}, got ${show(content)}`);
  content.forEach((part: unknown, index) => {
    const partPath = `${path}[${index}]`;
    if (!isObject(part)) throw invalid(partPath, `must be a content part object, got ${show(part)}`);
    const type = part['type'];
    if (typeof type === 'string' && mediaParts.has(type)) throw invalid(partPath, `only text content is supported, got a ${type} part`);
    // Refusal parts are OpenAI's other assistant part; vLLM renders them as text.
    const field = type === 'text' ? 'text' : type === 'refusal' && role === 'assistant' ? 'refusal' : undefined;
    if (field === undefined) throw invalid(`${partPath}.type`, `must be "text"${role === 'assistant' ? ' or "refusal"' : ''}, got ${show(type)}`);
    if (typeof part[field] !== 'string') throw invalid(`${partPath}.${field}`, `must be a string, got ${show(part[field])}`);
    const extra = Object.keys(part).find((key) => key !== 'type' && key !== field);
    if (extra !== undefined) throw invalid(`${partPath}.${extra}`, `is not a field of a ${type} part`);
  });
}

/** The ids of an assistant message's tool calls; absent, null or [] (dropped as vLLM does): none. */
function validateToolCalls(calls: unknown, path: string): string[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) throw invalid(path, `must be an array of tool calls, got ${show(calls)}`);
  return calls.map((call: unknown, index) => {
    const callPath = `${path}[${index}]`;
    if (!isObject(call)) throw invalid(callPath, `must be a tool call object, got ${show(call)}`);
    const extra = Object.keys(call).find((key) => key !== 'id' && key !== 'type' && key !== 'function');
    if (extra !== undefined) throw invalid(`${callPath}.${extra}`, 'is not a field of a tool call');
    if (typeof call['id'] !== 'string' || call['id'] === '') throw invalid(`${callPath}.id`, `must be a non-empty string, got ${show(call['id'])}`);
    if (call['type'] !== 'function') throw invalid(`${callPath}.type`, `must be "function", got ${show(call['type'])}`);
    const fn = call['function'];
    if (!isObject(fn)) throw invalid(`${callPath}.function`, `must be an object with name and arguments, got ${show(fn)}`);
    const fnExtra = Object.keys(fn).find((key) => key !== 'name' && key !== 'arguments');
    if (fnExtra !== undefined) throw invalid(`${callPath}.function.${fnExtra}`, 'is not a field of a function call');
    if (typeof fn['name'] !== 'string' || fn['name'] === '') throw invalid(`${callPath}.function.name`, `must be a non-empty string, got ${show(fn['name'])}`);
    validateArguments(fn['arguments'], `${callPath}.function.arguments`);
    return call['id'];
  });
}

function validateArguments(text: unknown, path: string): void {
  if (typeof text !== 'string') throw invalid(path, `must be a string of JSON, got ${show(text)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(parsed)) throw invalid(path, `must encode a JSON object, got ${text}`);
}

/** `tools`: undefined when omitted (or null); a list of function tools with unique names otherwise. */
export function validateTools(tools: unknown): ChatCompletionFunctionTool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalid('tools', `must be an array of function tools, got ${show(tools)}`);
  if (tools.length === 0) throw invalid('tools', 'tools must not be empty; omit it instead');
  const names = new Set<string>();
  tools.forEach((tool: unknown, index) => {
    const path = `tools[${index}]`;
    if (!isObject(tool)) throw invalid(path, `must be a tool object, got ${show(tool)}`);
    if (tool['type'] !== 'function') throw invalid(`${path}.type`, `must be "function", got ${show(tool['type'])}`);
    const extra = Object.keys(tool).find((key) => key !== 'type' && key !== 'function');
    if (extra !== undefined) throw invalid(`${path}.${extra}`, 'is not a field of a function tool');
    const fn = tool['function'];
    if (!isObject(fn)) throw invalid(`${path}.function`, `must be an object with a name, got ${show(fn)}`);
    const fnExtra = Object.keys(fn).find((key) => !['name', 'description', 'parameters', 'strict'].includes(key));
    if (fnExtra !== undefined) throw invalid(`${path}.function.${fnExtra}`, 'is not a field of a function definition');
    const name = fn['name'];
    if (typeof name !== 'string' || !toolNamePattern.test(name)) {
      throw invalid(`${path}.function.name`, `must be 1 to 64 letters, digits, underscores or dashes, got ${show(name)}`);
    }
    if (names.has(name)) throw invalid(`${path}.function.name`, `${show(name)} names an earlier tool too; tool names must be unique`);
    names.add(name);
    if (fn['description'] !== undefined && typeof fn['description'] !== 'string') {
      throw invalid(`${path}.function.description`, `must be a string, got ${show(fn['description'])}`);
    }
    if (fn['parameters'] !== undefined && !isObject(fn['parameters'])) {
      throw invalid(`${path}.function.parameters`, `must be a JSON schema object, got ${show(fn['parameters'])}`);
    }
    const strict = fn['strict'];
    if (strict !== undefined && strict !== null && typeof strict !== 'boolean') {
      throw invalid(`${path}.function.strict`, `must be a boolean, got ${show(strict)}`);
    }
  });
  return tools as ChatCompletionFunctionTool[];
}
