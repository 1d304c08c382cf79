/**
 * `tool_choice`, checked against the request's tools (validateTools has checked them first, so a
 * malformed tools list is refused by name before any name is looked up): "none", "auto",
 * "required", a named function, or OpenAI's allowed_tools subset.
 */
import type { ChatCompletionFunctionTool } from './chat-template.ts';
import { invalidParam, isRecord, isString, show } from './param-checks.ts';

/** `allowed`: OpenAI's allowed_tools, the only tools the model is shown and may call. */
export type ToolChoice =
  | { readonly mode: 'none' | 'auto' | 'required'; readonly allowed?: readonly string[] }
  | { readonly mode: 'named'; readonly name: string };

/** `tools` as validateTools checked them: tool_choice is checked against their names. */
export function toolChoice(choice: unknown, tools: readonly ChatCompletionFunctionTool[] | undefined): ToolChoice {
  const names = new Set((tools ?? []).map((tool) => tool.function.name));
  if (choice === undefined || choice === null) return { mode: names.size > 0 ? 'auto' : 'none' };
  if (choice === 'none' || choice === 'auto' || choice === 'required') {
    if (choice !== 'none' && names.size === 0) throw invalidParam('tool_choice', `"${choice}" needs tools`);
    return { mode: choice };
  }
  if (!isRecord(choice)) throw invalidParam('tool_choice', `must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}, got ${show(choice)}`);
  if (choice['type'] === 'function') return namedTool(choice, names);
  if (choice['type'] === 'allowed_tools') return allowedTools(choice['allowed_tools'], names);
  if (choice['type'] === 'custom') throw invalidParam('tool_choice', 'custom tools are not supported');
  throw invalidParam('tool_choice.type', `must be "function" or "allowed_tools", got ${show(choice['type'])}`);
}

/** `{"type": "function", "function": {"name": ...}}`: the reply is a call to that tool. */
function namedTool(choice: Record<string, unknown>, names: ReadonlySet<string>): ToolChoice {
  const extra = Object.keys(choice).find((key) => key !== 'type' && key !== 'function');
  if (extra !== undefined) throw invalidParam(`tool_choice.${extra}`, 'is not a field of a named tool choice');
  const fn = choice['function'];
  if (!isRecord(fn)) throw invalidParam('tool_choice.function', `must be an object with a name, got ${show(fn)}`);
  const name = fn['name'];
  if (!isString(name)) throw invalidParam('tool_choice.function.name', `must be a string, got ${show(name)}`);
  if (!names.has(name)) throw invalidParam('tool_choice', `names the function ${show(name)}, which is not in tools`);
  return { mode: 'named', name };
}

/** OpenAI's `{type: "allowed_tools", allowed_tools: {mode, tools: [{type: "function", function: {name}}]}}`. */
function allowedTools(spec: unknown, declared: ReadonlySet<string>): ToolChoice {
  const field = 'tool_choice.allowed_tools';
  if (!isRecord(spec) || (spec['mode'] !== 'auto' && spec['mode'] !== 'required') || !Array.isArray(spec['tools'])) {
    throw invalidParam(field, 'must be {"mode": "auto" | "required", "tools": [{"type": "function", "function": {"name": ...}}]}');
  }
  const allowed = spec['tools'].map((entry: unknown, index) => {
    const name = isRecord(entry) && isRecord(entry['function']) ? entry['function']['name'] : undefined;
    if (!isString(name) || !declared.has(name)) throw invalidParam(`${field}.tools[${index}]`, `must name a function in tools, got ${show(entry)}`);
    return name;
  });
  if (allowed.length === 0) throw invalidParam(`${field}.tools`, 'must name at least one tool');
  return { mode: spec['mode'], allowed };
}
