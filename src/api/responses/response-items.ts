/**
 * Responses items ↔ chat messages. A conversation in the Responses API is a list of items
 * (messages, function calls, their outputs, reasoning); the chat template wants messages. As vLLM
 * maps them: a `function_call` becomes a tool call on an assistant message, a
 * `function_call_output` a `tool` message, a `reasoning` item the assistant's reasoning_content;
 * the assistant-side items of one turn (reasoning, message, calls) merge into one assistant
 * message while its slot for them is still empty. Output items are valid input items, so a
 * stored response's output feeds the next turn through the same mapping.
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { invalidParam, isRecord, isString, show } from '../../chat/param-checks.ts';

type Item = Record<string, unknown>;
/** An assistant message under construction: the chat fields this mapping fills. */
interface AssistantMessage {
  role: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
}
type Message = ChatCompletionMessageParam | AssistantMessage;

/** Media parts OpenAI's input items can carry; the model reads text only. */
const mediaParts = new Set(['input_image', 'input_file', 'input_audio']);
/** Item types OpenAI defines for built-in tools and server-side state; none exists here. */
const builtInItems = new Set([
  'file_search_call', 'computer_call', 'computer_call_output', 'web_search_call', 'image_generation_call',
  'code_interpreter_call', 'local_shell_call', 'local_shell_call_output', 'shell_call', 'shell_call_output',
  'apply_patch_call', 'apply_patch_call_output', 'mcp_list_tools', 'mcp_approval_request', 'mcp_approval_response',
  'mcp_call', 'custom_tool_call', 'custom_tool_call_output', 'tool_search_call', 'tool_search_output', 'compaction',
  'compaction_trigger', 'program', 'program_output', 'additional_tools',
]);

/** `input` as a list of items: a string is one user message. */
export function inputItems(input: unknown): Item[] {
  if (input === undefined || input === null) return [];
  if (isString(input)) return [{ type: 'message', role: 'user', content: input }];
  if (!Array.isArray(input)) throw invalidParam('input', `must be a string or an array of items, got ${show(input)}`);
  return input.map((item: unknown, index) => {
    if (!isRecord(item)) throw invalidParam(`input[${index}]`, `must be an item object, got ${show(item)}`);
    return item;
  });
}

/** The chat messages for a list of items; `path(i)` names item i in errors (`input[3]`). */
export function itemsToMessages(items: readonly Item[], path: (index: number) => string = (index) => `input[${index}]`): Message[] {
  const messages: Message[] = [];
  // Ids of the calls an output may answer: those made since the last user message, as the chat API checks.
  const openCalls = new Set<string>();
  items.forEach((item, index) => {
    const message = itemToMessage(item, path(index), messages.at(-1));
    if (message !== undefined) messages.push(message);
    const last = messages.at(-1) as Message;
    if (last.role === 'user') openCalls.clear();
    if (last.role === 'assistant') for (const call of (last as AssistantMessage).tool_calls ?? []) openCalls.add(call.id);
    if (last.role === 'tool' && !openCalls.has(last.tool_call_id)) {
      throw invalidParam(`${path(index)}.call_id`, `${show(last.tool_call_id)} does not match a function_call item since the last user message`);
    }
  });
  // A turn of reasoning alone still needs content for the template: empty text, as a reply with no text.
  for (const message of messages) {
    if (message.role === 'assistant' && message.content === undefined && message.tool_calls === undefined) (message as AssistantMessage).content = '';
  }
  return messages;
}

/**
 * True when the last item is an assistant message (or reasoning) left in progress or incomplete:
 * as vLLM does, the reply continues it instead of starting a new turn.
 */
export function continuesFinalMessage(items: readonly Item[]): boolean {
  const last = items.at(-1);
  if (last === undefined) return false;
  const assistantSide = last['type'] === 'reasoning' || ((last['type'] ?? 'message') === 'message' && last['role'] === 'assistant');
  return assistantSide && (last['status'] === 'in_progress' || last['status'] === 'incomplete');
}

/** The message item stands for, or undefined when it merged into `previous` (the assistant turn so far). */
function itemToMessage(item: Item, path: string, previous: Message | undefined): Message | undefined {
  const type = item['type'] ?? (item['role'] !== undefined ? 'message' : undefined);
  const turn = previous?.role === 'assistant' ? (previous as AssistantMessage) : undefined;
  switch (type) {
    case 'message':
      return messageItem(item, path, turn);
    case 'function_call': {
      const call = { id: text(item, 'call_id', path), type: 'function' as const, function: { name: text(item, 'name', path), arguments: text(item, 'arguments', path, true) } };
      if (turn !== undefined) {
        (turn.tool_calls ??= []).push(call);
        return undefined;
      }
      return { role: 'assistant', tool_calls: [call] };
    }
    case 'function_call_output':
      return { role: 'tool', tool_call_id: text(item, 'call_id', path), content: outputText(item['output'], `${path}.output`) };
    case 'reasoning': {
      const reasoning = reasoningText(item, path);
      if (turn !== undefined && turn.reasoning_content === undefined && turn.content === undefined && turn.tool_calls === undefined) {
        turn.reasoning_content = reasoning;
        return undefined;
      }
      return { role: 'assistant', reasoning_content: reasoning };
    }
    case 'item_reference':
      throw invalidParam(`${path}.type`, 'item references are not supported; send the item itself, or chain with previous_response_id');
    default:
      if (isString(type) && builtInItems.has(type)) throw invalidParam(`${path}.type`, `${type} items are not supported: the engine has no built-in tools; declare a function tool`);
      throw invalidParam(`${path}.type`, `must be "message", "function_call", "function_call_output" or "reasoning", got ${show(type)}`);
  }
}

function messageItem(item: Item, path: string, turn: AssistantMessage | undefined): Message | undefined {
  const role = item['role'];
  if (role === 'assistant') {
    const content = contentText(item['content'], `${path}.content`, ['output_text', 'input_text', 'refusal']);
    // Only a turn that so far holds reasoning alone takes the text: text after calls is a new message.
    if (turn !== undefined && turn.content === undefined && turn.tool_calls === undefined) {
      turn.content = content;
      return undefined;
    }
    return { role: 'assistant', content };
  }
  if (role !== 'user' && role !== 'system' && role !== 'developer') {
    throw invalidParam(`${path}.role`, `must be "user", "system", "developer" or "assistant", got ${show(role)}`);
  }
  const content = item['content'];
  if (isString(content)) return { role, content };
  // Text parts stay parts, so the template sees them as the chat API would.
  const parts = textParts(content, `${path}.content`, ['input_text']);
  return { role, content: parts.map((part) => ({ type: 'text' as const, text: part })) };
}

/** A message's content as one string (assistant text, tool output). */
function contentText(content: unknown, path: string, types: readonly string[]): string {
  if (isString(content)) return content;
  return textParts(content, path, types).join('');
}

function textParts(content: unknown, path: string, types: readonly string[]): string[] {
  if (!Array.isArray(content)) throw invalidParam(path, `must be a string or an array of content parts, got ${show(content)}`);
  return content.map((part: unknown, index) => {
    const partPath = `${path}[${index}]`;
    if (!isRecord(part)) throw invalidParam(partPath, `must be a content part object, got ${show(part)}`);
    const type = part['type'];
    if (isString(type) && mediaParts.has(type)) throw invalidParam(`${partPath}.type`, `only text input is supported (the model reads text), got an ${type} part`);
    if (!isString(type) || !types.includes(type)) throw invalidParam(`${partPath}.type`, `must be ${types.map((name) => `"${name}"`).join(' or ')}, got ${show(type)}`);
    const field = type === 'refusal' ? 'refusal' : 'text';
    return text(part, field, partPath, true);
  });
}

/** A function_call_output's output: a string, or input_text parts. */
function outputText(output: unknown, path: string): string {
  return contentText(output, path, ['input_text']);
}

/** A reasoning item's text: its reasoning_text content, else its summary, as vLLM reads it. */
function reasoningText(item: Item, path: string): string {
  if (item['encrypted_content'] !== undefined && item['encrypted_content'] !== null) {
    throw invalidParam(`${path}.encrypted_content`, 'encrypted reasoning is not supported: send the reasoning item as this engine returned it');
  }
  for (const field of ['content', 'summary']) {
    const parts = item[field];
    if (parts === undefined || parts === null) continue;
    if (!Array.isArray(parts)) throw invalidParam(`${path}.${field}`, `must be an array of text parts, got ${show(parts)}`);
    if (parts.length > 0) return parts.map((part: unknown, index) => text(isRecord(part) ? part : {}, 'text', `${path}.${field}[${index}]`, true)).join('');
  }
  return '';
}

/** A string field of an item; `emptyOk` for text that may be empty (arguments, part text). */
function text(item: Item, field: string, path: string, emptyOk = false): string {
  const value = item[field];
  if (!isString(value) || (!emptyOk && value === '')) throw invalidParam(`${path}.${field}`, `must be a ${emptyOk ? '' : 'non-empty '}string, got ${show(value)}`);
  return value;
}
