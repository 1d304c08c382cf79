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
 */
import type { ConstraintSpec, ToolSignature } from './constraint-spec.ts';

export const jsonSeparators = { first: ', ', second: ': ' } as const;

export type GrammarSource =
  | { readonly kind: 'json_schema'; readonly schema: string; readonly strict: boolean }
  | { readonly kind: 'structural_tag'; readonly json: string };

/** A JSON schema (as JSON text) → its EBNF grammar with `jsonSeparators`, strict. */
export type SchemaToEbnf = (schema: string) => string;

const anyObject = JSON.stringify({ type: 'object' });

export function grammarSource(spec: ConstraintSpec, schemaToEbnf: SchemaToEbnf): GrammarSource {
  switch (spec.kind) {
    case 'json_object':
      // Not strict: any properties, any values.
      return { kind: 'json_schema', schema: anyObject, strict: false };
    case 'json_schema':
      return { kind: 'json_schema', schema: JSON.stringify(spec.schema), strict: true };
    case 'hermes_tool_calls':
      return { kind: 'structural_tag', json: JSON.stringify(hermesToolCalls(spec.tools, spec.parallel, schemaToEbnf)) };
  }
}

/** The opening of a call to `name`, up to its arguments. */
export function hermesCallBegin(name: string): string {
  return `<tool_call>\n{"name": ${JSON.stringify(name)}, "arguments": `;
}

export const hermesCallEnd = '}\n</tool_call>';
export const hermesCallSeparator = '\n';

function hermesToolCalls(tools: readonly ToolSignature[], parallel: boolean, schemaToEbnf: SchemaToEbnf): object {
  return {
    type: 'structural_tag',
    format: {
      type: 'tags_with_separator',
      separator: hermesCallSeparator,
      at_least_one: true,
      stop_after_first: !parallel,
      tags: tools.map((tool) => ({
        type: 'tag',
        begin: hermesCallBegin(tool.name),
        content: { type: 'grammar', grammar: schemaToEbnf(JSON.stringify(tool.parameters)) },
        end: hermesCallEnd,
      })),
    },
  };
}
