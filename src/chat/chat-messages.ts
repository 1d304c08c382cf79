/**
 * Checks a request's `messages` and `tools` before they reach the chat template. Each problem is an
 * `invalid_argument` error whose subject, and the start of its message, is the field path
 * (`messages[2].tool_calls[0].id: …`), so a caller learns exactly what to fix instead of getting
 * a template error or a silent drop. Whatever this engine or OpenAI returned is accepted back as
 * history, including a tool call whose arguments the model botched (request-fields.ts has the
 * field lists).
 */
import { LlmError } from '../errors.ts';
import type { ChatCompletionFunctionTool } from './chat-template.ts';
import type { ChatCompletionMessageParam } from './chat-types.ts';
import { show } from './param-checks.ts';
import { checkJsonLimits, checkSchemaLimits, maxToolNameLength, maxTools, newBudget } from './schema-limits.ts';
import {
  ignoredFunctionFields, ignoredMessageFields, ignoredPartFields, mediaPartTypes, messageFields, own, refusedMessageFields, type Role,
} from './request-fields.ts';

type Json = Record<string, unknown>;

const toolNamePattern = new RegExp(`^[a-zA-Z0-9_-]{1,${maxToolNameLength}}$`);

const invalid = (subject: string, message: string): LlmError => new LlmError('invalid_argument', `${subject}: ${message}`, subject);
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isRole = (value: unknown): value is Role => typeof value === 'string' && Object.hasOwn(messageFields, value);

export function validateMessages(messages: unknown): ChatCompletionMessageParam[] {
  if (!Array.isArray(messages)) throw invalid('messages', `must be an array of messages, got ${show(messages)}`);
  if (messages.length === 0) throw invalid('messages', 'must not be empty');
  // Ids of the calls a tool message may answer: those made since the last user message.
  const openCalls = new Set<string>();
  messages.forEach((message: unknown, index) => {
    const path = `messages[${index}]`;
    if (!isObject(message)) throw invalid(path, `must be an object, got ${show(message)}`);
    const role = message['role'];
    if (role === 'function') {
      throw invalid(`${path}.role`, '"function" messages (the deprecated functions API) are not supported; answer a tool call with role "tool" and its tool_call_id');
    }
    if (!isRole(role)) throw invalid(`${path}.role`, `must be one of ${Object.keys(messageFields).map((name) => show(name)).join(', ')}, got ${show(role)}`);
    checkFields(message, role, path);
    optionalString(message, 'name', path);
    if (role === 'user') openCalls.clear();
    if (role === 'assistant') {
      const callIds = validateToolCalls(message['tool_calls'], `${path}.tool_calls`);
      for (const id of callIds) openCalls.add(id);
      for (const field of ['refusal', 'reasoning_content', 'reasoning']) optionalString(message, field, path, true);
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

/** Fields the role has, ignored ones, and refused ones at their "off" value pass; others are refused by name. */
function checkFields(message: Json, role: Role, path: string): void {
  for (const [field, value] of Object.entries(message)) {
    if (messageFields[role].has(field) || ignoredMessageFields.has(field)) continue;
    const refused = own(refusedMessageFields, field);
    if (refused === undefined) throw invalid(`${path}.${field}`, `is not a field of a ${role} message`);
    if (!refused.off(value, message)) throw invalid(`${path}.${field}`, refused.reason);
  }
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
    if (typeof part === 'string') return; // vLLM takes a bare string as a text part
    if (!isObject(part)) throw invalid(partPath, `must be a content part object, got ${show(part)}`);
    const type = part['type'];
    if (typeof type === 'string' && mediaPartTypes.has(type)) throw invalid(partPath, `only text content is supported, got a ${type} part`);
    // Refusal parts are OpenAI's other assistant part; vLLM renders them as text.
    const field = type === 'text' ? 'text' : type === 'refusal' && role === 'assistant' ? 'refusal' : undefined;
    if (field === undefined) throw invalid(`${partPath}.type`, `must be "text"${role === 'assistant' ? ' or "refusal"' : ''}, got ${show(type)}`);
    if (typeof part[field] !== 'string') throw invalid(`${partPath}.${field}`, `must be a string, got ${show(part[field])}`);
    const extra = Object.keys(part).find((key) => key !== 'type' && key !== field && !ignoredPartFields.has(key));
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
    const fnExtra = Object.keys(fn).find((key) => key !== 'name' && key !== 'arguments' && !ignoredFunctionFields.has(key));
    if (fnExtra !== undefined) throw invalid(`${callPath}.function.${fnExtra}`, 'is not a field of a function call');
    if (typeof fn['name'] !== 'string' || fn['name'] === '') throw invalid(`${callPath}.function.name`, `must be a non-empty string, got ${show(fn['name'])}`);
    // Any text, even text that is not JSON: the model wrote it, and the conversation must go on
    // (runTools answers such a call with an error result). vLLM also takes an object.
    const args = fn['arguments'];
    if (typeof args !== 'string' && !isObject(args)) throw invalid(`${callPath}.function.arguments`, `must be a string (the arguments' JSON text), got ${show(args)}`);
    // An object is rendered by the template, which recurses: bounded as a schema is.
    if (isObject(args)) checkJsonLimits(args, `${callPath}.function.arguments`);
    return call['id'];
  });
}

/** `tools`: undefined when omitted (or null); a list of function tools with unique names otherwise. */
export function validateTools(tools: unknown): ChatCompletionFunctionTool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalid('tools', `must be an array of function tools, got ${show(tools)}`);
  if (tools.length === 0) throw invalid('tools', 'must not be empty; omit it instead');
  if (tools.length > maxTools) throw invalid('tools', `must hold at most ${maxTools} tools, got ${tools.length}`);
  const names = new Set<string>();
  // Every schema reaches the prompt, and under tool_choice "required" one grammar: one budget for all.
  const budget = newBudget();
  tools.forEach((tool: unknown, index) => {
    const path = `tools[${index}]`;
    if (!isObject(tool)) throw invalid(path, `must be a tool object, got ${show(tool)}`);
    if (tool['type'] === 'custom') throw invalid(`${path}.type`, 'custom (free-text) tools are not supported; declare a function tool');
    if (tool['type'] !== 'function') throw invalid(`${path}.type`, `must be "function", got ${show(tool['type'])}`);
    const extra = Object.keys(tool).find((key) => key !== 'type' && key !== 'function');
    if (extra !== undefined) throw invalid(`${path}.${extra}`, 'is not a field of a function tool');
    const fn = tool['function'];
    if (!isObject(fn)) throw invalid(`${path}.function`, `must be an object with a name, got ${show(fn)}`);
    const fnExtra = Object.keys(fn).find((key) => !['name', 'description', 'parameters', 'strict'].includes(key));
    if (fnExtra !== undefined) throw invalid(`${path}.function.${fnExtra}`, 'is not a field of a function definition');
    const name = fn['name'];
    if (typeof name !== 'string' || !toolNamePattern.test(name)) {
      throw invalid(`${path}.function.name`, `must be 1 to ${maxToolNameLength} letters, digits, underscores or dashes, got ${show(name)}`);
    }
    if (names.has(name)) throw invalid(`${path}.function.name`, `${show(name)} names an earlier tool too; tool names must be unique`);
    names.add(name);
    if (fn['description'] !== undefined && typeof fn['description'] !== 'string') {
      throw invalid(`${path}.function.description`, `must be a string, got ${show(fn['description'])}`);
    }
    const parameters = fn['parameters'];
    if (parameters !== undefined && !isObject(parameters)) throw invalid(`${path}.function.parameters`, `must be a JSON schema object, got ${show(parameters)}`);
    if (parameters !== undefined) checkSchemaLimits(parameters, `${path}.function.parameters`, budget, 'tools');
    const strict = fn['strict'];
    if (strict !== undefined && strict !== null && typeof strict !== 'boolean') {
      throw invalid(`${path}.function.strict`, `must be a boolean, got ${show(strict)}`);
    }
  });
  return tools as ChatCompletionFunctionTool[];
}
