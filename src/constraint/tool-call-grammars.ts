/**
 * Structural tags for tool calls in each family's own format, as the chat templates show the model
 * and the parsers read back. Calls' arguments use the schema's EBNF (XGrammar's converter with
 * fixed separators: a structural tag's own json_schema content would allow any whitespace).
 *
 * - hermes (Qwen): `<tool_call>\n{"name": "<tool>", "arguments": ` args `}\n</tool_call>`, calls
 *   separated by "\n"; under "auto" the trigger is `<tool_call>`.
 * - llama3_json (Llama 3.1/3.2): `{"name": "<tool>", "parameters": ` args `}`, calls separated by
 *   "; " (vLLM's llama3_json parser splits on ";"); under "auto" the trigger is `{"name": `.
 * - mistral (v0.3): `[TOOL_CALLS] [` then `{"name": "<tool>", "arguments": ` args `}` separated by
 *   ", ", then `]`, as the template writes past calls; under "auto" the trigger is `[TOOL_CALLS]`.
 * - pythonic (Llama 3.2 pythonic, ToolACE): `[tool(key=value, ...), ...]`, a grammar of its own
 *   (pythonic-grammar.ts): arguments are Python literals, and under "auto" free text may not start
 *   with `[`, since the parser reads any output that is a list as calls.
 * `parallel: false` allows one call; "required" allows nothing after the calls.
 */
import type { ToolCallFormat, ToolSignature } from './constraint-spec.ts';
import { pythonicCallsGrammar } from './pythonic-grammar.ts';

/** A JSON schema (as JSON text) → its EBNF grammar; strict: no unnamed properties or items. */
export type SchemaToEbnf = (schema: string, strict: boolean) => string;

interface JsonCallShape {
  /** What opens a call to `name`, up to its arguments. */
  readonly begin: (name: string) => string;
  readonly end: string;
  readonly separator: string;
  /** Around the whole list of calls (mistral's array). */
  readonly open?: string;
  readonly close?: string;
  /** The text that turns an "auto" grammar's free text into calls. */
  readonly trigger: string;
}

const jsonShapes: Record<Exclude<ToolCallFormat, 'pythonic'>, JsonCallShape> = {
  hermes: {
    begin: (name) => `<tool_call>\n{"name": ${JSON.stringify(name)}, "arguments": `,
    end: '}\n</tool_call>',
    separator: '\n',
    trigger: '<tool_call>',
  },
  llama3_json: {
    begin: (name) => `{"name": ${JSON.stringify(name)}, "parameters": `,
    end: '}',
    separator: '; ',
    trigger: '{"name": ',
  },
  mistral: {
    begin: (name) => `{"name": ${JSON.stringify(name)}, "arguments": `,
    end: '}',
    separator: ', ',
    open: '[TOOL_CALLS] [',
    close: ']',
    trigger: '[TOOL_CALLS]',
  },
};

/** The free-text trigger of an "auto" grammar in `format` (its text before a call is unconstrained). */
export function toolCallTrigger(format: ToolCallFormat): string {
  return format === 'pythonic' ? '[' : jsonShapes[format].trigger;
}

/** The structural-tag format (XGrammar's JSON) for calls in `format`; `auto`: free text around them. */
export function toolCallsFormat(
  format: ToolCallFormat, tools: readonly ToolSignature[], options: { readonly parallel: boolean; readonly auto: boolean }, schemaToEbnf: SchemaToEbnf,
): object {
  if (format === 'pythonic') return { type: 'grammar', grammar: pythonicCallsGrammar(tools, options) };
  const shape = jsonShapes[format];
  const tags = tools.map((tool) => ({
    type: 'tag',
    begin: shape.begin(tool.name),
    content: { type: 'grammar', grammar: schemaToEbnf(JSON.stringify(tool.parameters), tool.strict ?? true) },
    end: shape.end,
  }));
  const calls = { type: 'tags_with_separator', separator: shape.separator, at_least_one: true, stop_after_first: !options.parallel, tags };
  if (shape.open === undefined) {
    if (!options.auto) return calls;
    return { type: 'triggered_tags', triggers: [shape.trigger], at_least_one: false, stop_after_first: !options.parallel, tags };
  }
  const list = { type: 'tag', begin: shape.open, content: calls, end: shape.close ?? '' };
  if (!options.auto) return list;
  // One bracketed list of calls after the trigger, then the output ends (the parser reads one list).
  return { type: 'triggered_tags', triggers: [shape.trigger], at_least_one: false, stop_after_first: true, tags: [list] };
}
