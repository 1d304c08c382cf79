/**
 * What XGrammar compiles for a constraint spec. JSON is one line with fixed separators (", " and
 * ": ", as json.dumps and Qwen write it) and no free whitespace, so a model cannot fill its
 * budget with spaces; schemas are strict (no properties or items the schema does not name), as
 * vLLM's XGrammar backend does.
 *
 * hermes_tool_calls is a structural tag: `tags_with_separator` over one tag per tool,
 *   begin `<tool_call>\n{"name": "<tool>", "arguments": `, content the tool's parameters grammar,
 *   end `}\n</tool_call>`, separator "\n", at least one tag (and only one when not parallel),
 * then the end of the output. The parameters grammar is the schema's EBNF (XGrammar's converter
 * with the separators above): a structural tag's own json_schema content allows any whitespace.
 *
 * hermes_auto_tool_calls uses the same tags under `triggered_tags` with the trigger `<tool_call>`:
 * any text (and the end of the output) until the model writes the trigger, then one of the tags
 * to its end, then text again (or, when not parallel, only the end of the output).
 */
import type { ConstraintSpec, ToolSignature } from './constraint-spec.ts';

export const jsonSeparators = { first: ', ', second: ': ' } as const;

export type GrammarSource =
  | { readonly kind: 'json_schema'; readonly schema: string; readonly strict: boolean }
  | { readonly kind: 'structural_tag'; readonly json: string };

/** A JSON schema (as JSON text) → its EBNF grammar with `jsonSeparators`; strict: no unnamed properties or items. */
export type SchemaToEbnf = (schema: string, strict: boolean) => string;

const anyObject = JSON.stringify({ type: 'object' });

export function grammarSource(spec: ConstraintSpec, schemaToEbnf: SchemaToEbnf): GrammarSource {
  switch (spec.kind) {
    case 'json_object':
      // Not strict: any properties, any values.
      return { kind: 'json_schema', schema: anyObject, strict: false };
    case 'json_schema':
      return { kind: 'json_schema', schema: JSON.stringify(spec.schema), strict: true };
    case 'hermes_tool_calls':
      return structuralTag({
        type: 'tags_with_separator',
        separator: hermesCallSeparator,
        at_least_one: true,
        stop_after_first: !spec.parallel,
        tags: hermesCallTags(spec.tools, schemaToEbnf),
      });
    case 'hermes_auto_tool_calls':
      return structuralTag({
        type: 'triggered_tags',
        triggers: [hermesCallTrigger],
        at_least_one: false,
        stop_after_first: !spec.parallel,
        tags: hermesCallTags(spec.tools, schemaToEbnf),
      });
  }
}

function structuralTag(format: object): GrammarSource {
  return { kind: 'structural_tag', json: JSON.stringify({ type: 'structural_tag', format }) };
}

/** What opens every hermes call: the text that turns an auto grammar's free text into a call. */
export const hermesCallTrigger = '<tool_call>';

/** The opening of a call to `name`, up to its arguments. */
export function hermesCallBegin(name: string): string {
  return `${hermesCallTrigger}\n{"name": ${JSON.stringify(name)}, "arguments": `;
}

export const hermesCallEnd = '}\n</tool_call>';
export const hermesCallSeparator = '\n';

function hermesCallTags(tools: readonly ToolSignature[], schemaToEbnf: SchemaToEbnf): object[] {
  return tools.map((tool) => ({
    type: 'tag',
    begin: hermesCallBegin(tool.name),
    content: { type: 'grammar', grammar: schemaToEbnf(JSON.stringify(tool.parameters), tool.strict ?? true) },
    end: hermesCallEnd,
  }));
}
