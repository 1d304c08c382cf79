/**
 * What XGrammar compiles for a constraint spec. JSON is one line with fixed separators (", " and
 * ": ", as json.dumps and Qwen write it) and no free whitespace, so a model cannot fill its
 * budget with spaces; schemas are strict (no properties or items the schema does not name), as
 * vLLM's XGrammar backend does. Tool calls are a structural tag in the format's own shape
 * (tool-call-grammars.ts): `tool_calls` is one or more calls and then the end of the output;
 * `auto_tool_calls` is free text (and the end of the output) until the model opens a call, which
 * must then be a call to a declared tool with valid arguments.
 */
import type { ConstraintSpec } from './constraint-spec.ts';
import { toolCallsFormat, type SchemaToEbnf } from './tool-call-grammars.ts';

export type { SchemaToEbnf } from './tool-call-grammars.ts';

export const jsonSeparators = { first: ', ', second: ': ' } as const;

export type GrammarSource =
  | { readonly kind: 'json_schema'; readonly schema: string; readonly strict: boolean }
  | { readonly kind: 'structural_tag'; readonly json: string };

const anyObject = JSON.stringify({ type: 'object' });

export function grammarSource(spec: ConstraintSpec, schemaToEbnf: SchemaToEbnf): GrammarSource {
  switch (spec.kind) {
    case 'json_object':
      // Not strict: any properties, any values.
      return { kind: 'json_schema', schema: anyObject, strict: false };
    case 'json_schema':
      return { kind: 'json_schema', schema: JSON.stringify(spec.schema), strict: true };
    case 'tool_calls':
    case 'auto_tool_calls': {
      const format = toolCallsFormat(spec.format, spec.tools, { parallel: spec.parallel, auto: spec.kind === 'auto_tool_calls' }, schemaToEbnf);
      return { kind: 'structural_tag', json: JSON.stringify({ type: 'structural_tag', format }) };
    }
  }
}
