/**
 * vLLM's own ways to ask for structured output, as the response_format they amount to:
 * `structured_outputs: { json }` (a JSON schema) or `{ json_object: true }`, and the older
 * `guided_json`. Their other kinds (regex, choice, grammar, structural tags) and whitespace
 * options would change the output and are not implemented, so they are refused by name.
 */
import type { ResponseFormat } from './chat-params.ts';
import { invalidParam as invalid, isRecord, show } from './param-checks.ts';
import { checkSchemaLimits, schemaLimits } from './schema-limits.ts';

type Params = Readonly<Record<string, unknown>>;

const isUnset = (value: unknown) => value === undefined || value === null || value === false;

/** structured_outputs fields with no effect: vLLM's backend bookkeeping and fallback switch. */
const ignoredKeys = new Set(['disable_fallback', '_backend', '_backend_was_auto']);

/** A JSON schema given as an object or as JSON text (vLLM takes both), within schema-limits.ts's limits. */
function schemaOf(field: string, value: unknown): Record<string, unknown> {
  let schema = value;
  if (typeof value === 'string') {
    if (value.length > schemaLimits.maxChars) throw invalid(field, `is more than ${schemaLimits.maxChars} characters of JSON`);
    try {
      schema = JSON.parse(value);
    } catch (error) {
      // V8 quotes the text in its message: control characters in it are shown as escapes.
      const reason = (error instanceof Error ? error.message : String(error)).replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      throw invalid(field, `is not valid JSON: ${reason}`);
    }
  }
  if (!isRecord(schema)) throw invalid(field, `must be a JSON schema object, got ${show(value)}`);
  checkSchemaLimits(schema, field);
  return schema;
}

/** The format `structured_outputs` or `guided_json` asks for; undefined when neither is set. */
function requestedFormat(params: Params): { field: string; format: ResponseFormat } | undefined {
  const guided = params['guided_json'];
  const structured = params['structured_outputs'];
  if (!isUnset(guided) && !isUnset(structured)) throw invalid('guided_json', 'cannot be combined with structured_outputs');
  if (!isUnset(guided)) return { field: 'guided_json', format: { type: 'json_schema', name: 'guided_json', schema: schemaOf('guided_json', guided) } };
  if (isUnset(structured)) return undefined;
  if (!isRecord(structured)) throw invalid('structured_outputs', `must be an object, got ${show(structured)}`);
  let format: ResponseFormat | undefined;
  for (const [key, value] of Object.entries(structured)) {
    const field = `structured_outputs.${key}`;
    if (ignoredKeys.has(key) || isUnset(value)) continue;
    if (format !== undefined) throw invalid(field, 'only one kind of structured output may be set');
    if (key === 'json') format = { type: 'json_schema', name: 'structured_outputs', schema: schemaOf(field, value) };
    else if (key === 'json_object') format = { type: 'json_object' };
    else throw invalid(field, 'is not supported (only json and json_object are)');
  }
  return format === undefined ? undefined : { field: 'structured_outputs', format };
}

/** response_format, or what vLLM's structured-output fields ask for; both at once is refused. */
export function withStructuredOutputs(responseFormat: ResponseFormat, params: Params): ResponseFormat {
  const requested = requestedFormat(params);
  if (requested === undefined) return responseFormat;
  if (responseFormat.type !== 'text') throw invalid(requested.field, 'cannot be combined with response_format');
  return requested.format;
}
