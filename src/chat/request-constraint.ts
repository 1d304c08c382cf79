/**
 * Which token constraint a chat request decodes under: a named tool_choice makes the output that
 * tool's arguments (its `parameters` schema, as vLLM does), `required` makes it one or more
 * calls in the tool parser's format (hermes blocks, Llama JSON, pythonic list, Mistral array), and response_format json_schema / json_object constrain plain content. Under
 * tool_choice "auto", a tool with `strict: true` (OpenAI's strict function calling) makes every
 * call the model opens match: the text stays free, but once a call opens the name must be a
 * declared tool and the arguments valid against a strict tool's schema (any JSON object for a
 * tool that is not strict). response_format, when set, takes precedence over strict tools.
 */
import type { ConstraintSpec, ToolCallFormat } from '../constraint/constraint-spec.ts';
import { LlmError } from '../errors.ts';
import type { ChatParams } from './chat-params.ts';
import type { ChatCompletionTool } from './chat-types.ts';
import { invalidParam } from './param-checks.ts';

const anyObject = { type: 'object' };

function parameters(tool: ChatCompletionTool): Record<string, unknown> {
  return (tool.type === 'function' ? tool.function.parameters : undefined) ?? anyObject;
}

/** `format`: the tool parser's call format; a parser without one cannot be forced to call (`parserName` says which). */
export function constraintFor(
  params: ChatParams, tools: readonly ChatCompletionTool[] | undefined, format: ToolCallFormat | undefined, parserName: string,
): ConstraintSpec | undefined {
  const { toolChoice, responseFormat } = params;
  const toolsForced = toolChoice.mode === 'required' || toolChoice.mode === 'named';
  if (toolsForced && responseFormat.type !== 'text') {
    throw invalidParam('response_format', `cannot be combined with tool_choice "${toolChoice.mode === 'named' ? toolChoice.name : toolChoice.mode}"`);
  }
  const functions = (tools ?? []).filter((tool) => tool.type === 'function');
  if (toolChoice.mode === 'named') {
    const tool = functions.find((candidate) => candidate.function.name === toolChoice.name);
    return { kind: 'json_schema', schema: tool === undefined ? anyObject : parameters(tool) };
  }
  const needFormat = (what: string, subject: string): ToolCallFormat => {
    if (format !== undefined) return format;
    throw new LlmError('unsupported_option', `${what} needs a grammar for the tool-call format, and the tool-call parser "${parserName}" declares none`, subject);
  };
  if (toolChoice.mode === 'required') {
    return { kind: 'tool_calls', format: needFormat('tool_choice "required"', 'tool_choice'), tools: functions.map((tool) => ({ name: tool.function.name, parameters: parameters(tool) })), parallel: params.parallelToolCalls };
  }
  if (responseFormat.type === 'json_object') return { kind: 'json_object' };
  if (responseFormat.type === 'json_schema') return { kind: 'json_schema', schema: responseFormat.schema };
  if (toolChoice.mode === 'auto' && functions.some((tool) => tool.function.strict === true)) {
    const signatures = functions.map((tool) => tool.function.strict === true
      ? { name: tool.function.name, parameters: parameters(tool) }
      : { name: tool.function.name, parameters: anyObject, strict: false });
    return { kind: 'auto_tool_calls', format: needFormat('a strict tool', 'tools'), tools: signatures, parallel: params.parallelToolCalls };
  }
  return undefined;
}

/** Whether a constraint holds from the output's first token (the model gets no free text first). */
export function constrainsFromStart(constraint: ConstraintSpec | undefined): boolean {
  return constraint !== undefined && constraint.kind !== 'auto_tool_calls';
}
