/**
 * What a request's output must match, as plain data (it crosses the worker boundary inside an
 * EngineRequest): any JSON object, an object matching a JSON schema, one or more tool calls in a
 * model family's call format (hermes `<tool_call>` blocks for Qwen, Llama 3's JSON calls, Llama
 * 3.2's pythonic list, Mistral's `[TOOL_CALLS]` array) calling the given tools, or free text in
 * which every tool call the model opens must be such a call (strict function calling under
 * tool_choice "auto").
 */
import { LlmError } from '../errors.ts';

/** The call formats constrained decoding has a grammar for (tool_choice "required", strict tools). */
export const toolCallFormats = ['hermes', 'llama3_json', 'pythonic', 'mistral'] as const;
export type ToolCallFormat = (typeof toolCallFormats)[number];

export interface ToolSignature {
  readonly name: string;
  /** JSON schema of the call's arguments. */
  readonly parameters: Record<string, unknown>;
  /** Default true: no properties or items the schema does not name (OpenAI's `strict`). */
  readonly strict?: boolean;
}

export type ConstraintSpec =
  | { readonly kind: 'json_object' }
  | { readonly kind: 'json_schema'; readonly schema: Record<string, unknown> }
  | { readonly kind: 'tool_calls'; readonly format: ToolCallFormat; readonly tools: readonly ToolSignature[]; readonly parallel: boolean }
  /** Text until the model opens a call (`<tool_call>`, `[TOOL_CALLS]`, …); from there a call to one of `tools`. */
  | { readonly kind: 'auto_tool_calls'; readonly format: ToolCallFormat; readonly tools: readonly ToolSignature[]; readonly parallel: boolean };

type ToolCallsKind = 'tool_calls' | 'auto_tool_calls';

/** The chat request field a spec comes from, named in its errors. */
export type ConstraintSubject = 'response_format' | 'tools';

export function constraintSubject(spec: ConstraintSpec): ConstraintSubject {
  return spec.kind === 'tool_calls' || spec.kind === 'auto_tool_calls' ? 'tools' : 'response_format';
}

/** Cache key: the spec's JSON (property order matters: XGrammar emits properties in schema order). */
export function constraintKey(spec: ConstraintSpec): string {
  return JSON.stringify(spec);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(message: string, subject: string): never {
  throw new LlmError('invalid_argument', message, subject);
}

function onlyKeys(value: Record<string, unknown>, keys: readonly string[], where: string, subject: string): void {
  const unknown = Object.keys(value).find((key) => !keys.includes(key));
  if (unknown !== undefined) invalid(`${where} has an unknown field "${unknown}" (known: ${keys.join(', ')})`, subject);
}

/** Checks a spec's shape (it may come from another realm); LlmError 'invalid_argument' otherwise. */
export function checkConstraintSpec(spec: unknown): ConstraintSpec {
  if (!isObject(spec)) invalid('a constraint must be an object', 'constraint');
  switch (spec['kind']) {
    case 'json_object':
      onlyKeys(spec, ['kind'], 'a json_object constraint', 'response_format');
      return { kind: 'json_object' };
    case 'json_schema':
      onlyKeys(spec, ['kind', 'schema'], 'a json_schema constraint', 'response_format');
      if (!isObject(spec['schema'])) invalid('the JSON schema must be an object', 'response_format');
      return { kind: 'json_schema', schema: spec['schema'] };
    case 'tool_calls':
    case 'auto_tool_calls':
      return checkToolCalls(spec, spec['kind']);
    default:
      return invalid(`unknown constraint kind ${JSON.stringify(spec['kind'])} (known: json_object, json_schema, tool_calls, auto_tool_calls)`, 'constraint');
  }
}

function checkToolCalls(spec: Record<string, unknown>, kind: ToolCallsKind): ConstraintSpec {
  onlyKeys(spec, ['kind', 'format', 'tools', 'parallel'], `a ${kind} constraint`, 'tools');
  const { tools, parallel } = spec;
  const format = toolCallFormats.find((known) => known === spec['format']);
  if (format === undefined) invalid(`format must be one of ${toolCallFormats.join(', ')}, got ${JSON.stringify(spec['format'])}`, 'tools');
  if (typeof parallel !== 'boolean') invalid('parallel must be a boolean', 'parallel_tool_calls');
  if (!Array.isArray(tools) || tools.length === 0) invalid(kind === 'tool_calls' ? 'calling a tool is required, but no tools were given' : 'no tools were given', 'tools');
  const names = new Set<string>();
  const checked = tools.map((tool: unknown, i): ToolSignature => {
    if (!isObject(tool)) invalid(`tools[${i}] must be an object`, 'tools');
    onlyKeys(tool, ['name', 'parameters', 'strict'], `tools[${i}]`, 'tools');
    const { name, parameters, strict } = tool;
    if (typeof name !== 'string' || name.length === 0) invalid(`tools[${i}].name must be a non-empty string`, 'tools');
    if (names.has(name)) invalid(`two tools are named "${name}"`, 'tools');
    names.add(name);
    if (!isObject(parameters)) invalid(`the parameters of tool "${name}" must be a JSON schema object`, 'tools');
    if (strict !== undefined && typeof strict !== 'boolean') invalid(`tools[${i}].strict must be a boolean`, 'tools');
    return strict === undefined ? { name, parameters } : { name, parameters, strict };
  });
  return { kind, format, tools: checked, parallel };
}
