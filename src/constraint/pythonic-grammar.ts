/**
 * XGrammar EBNF for pythonic tool calls, `[get_weather(city="Paris", days=3)]`, for constrained
 * decoding (tool_choice "required", strict tools). Every text it allows is one the pythonic
 * parser (src/chat/pythonic-call-scanner.ts) reads back into the JSON the schema expects.
 *
 * One fixed layout, no free whitespace (a model cannot fill its budget with spaces): `, `
 * between calls, arguments and items, `: ` in dicts, `=` with no spaces. Values are Python
 * literals whose JSON is what the schema asks for: strings double-quoted with only the escapes
 * Python and JSON read alike (\" \\ \n \r \t \b \f), ints and floats (at most 18 digits before
 * the point, so nothing overflows), True/False, None, lists, dicts with string keys.
 *
 * From the schema: types (a list of types or anyOf as alternatives), enum/const, required and
 * optional properties in schema order, string lengths and array sizes up to 256, integer ranges
 * spanning at most 256 values and non-negative integers. Other keywords (pattern, format, wide
 * numeric bounds, $ref, oneOf, allOf) are not enforced: their values are any literal of the type,
 * or any literal at all, and the arguments are validated after the call as for any model.
 */
import { LlmError } from '../errors.ts';
import type { ToolSignature } from './constraint-spec.ts';

/** Python's keywords: not callable names (the pythonic parser refuses them too). */
export const pythonKeywords: ReadonlySet<string> = new Set(('False None True and as assert async await break class continue def del '
  + 'elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield').split(' '));

/** Bounds above this are not spelled out in the grammar (each unit of a bound is a rule). */
const MAX_SPELLED_BOUND = 256;

const BASE_RULES = String.raw`
py_char ::= [^\0-\x1f\"\\] | "\\" [\"\\nrtbf]
py_string ::= "\"" py_char* "\""
py_natural ::= "0" | [1-9] [0-9]{0,17}
py_int ::= "-"? py_natural
py_number ::= py_int ("." [0-9]{1,17})? ([eE] [+\-]? [0-9]{1,2})?
py_bool ::= "True" | "False"
py_any ::= py_string | py_number | py_bool | "None" | py_list | py_dict
py_list ::= "[" (py_any (", " py_any)*)? "]"
py_dict ::= "{" (py_string ": " py_any (", " py_string ": " py_any)*)? "}"
py_kwargs ::= (py_kwarg (", " py_kwarg)*)?
py_kwarg ::= [a-zA-Z_] [a-zA-Z0-9_]* "=" py_any
`.trim();

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isIdentifier = (name: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
const bound = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_SPELLED_BOUND ? value : undefined;

/** An EBNF string literal matching exactly `text`. */
function literal(text: string): string {
  return '"' + text.replace(/[\\"]/g, (c) => '\\' + c).replace(/[\0-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) + '"';
}

/** A JSON value written as the Python literal the parser reads back to it. */
function pythonLiteral(value: unknown): string {
  if (value === null) return 'None';
  if (value === true || value === false) return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  throw new LlmError('invalid_argument', `${String(value)} is not a JSON value`, 'tools');
}

/** Named rules of one grammar, their names under a prefix. */
class Rules {
  private readonly lines: string[] = [];
  constructor(private readonly prefix: string) {}

  add(body: string): string {
    const name = `${this.prefix}${this.lines.length}`;
    this.lines.push(`${name} ::= ${body}`);
    return name;
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

const alternatives = (options: readonly string[]) => (options.length === 1 ? options[0] as string : `(${options.join(' | ')})`);

/** `first (", " item){…}` as an expression, for `minimum` to `maximum` items (no maximum: any). */
function separated(item: string, minimum: number, maximum: number | undefined): string {
  if (maximum === 0) return '""';
  const rest = maximum === undefined ? `(", " ${item})*` : `(", " ${item}){${Math.max(minimum - 1, 0)},${maximum - 1}}`;
  const some = `${item} ${rest}`;
  return minimum === 0 ? `(${some})?` : `(${some})`;
}

/**
 * Members in schema order, separated by ", ": required ones always, optional ones skippable.
 * `first[i]` is the rest from member i when nothing was written yet, `after[i]` when something was.
 */
function orderedMembers(members: readonly { text: string; required: boolean }[], rules: Rules): string {
  const then = (text: string, rest: string) => (rest === '""' ? text : `${text} ${rest}`);
  let first = '""';
  let after = '""';
  for (let i = members.length - 1; i >= 0; i--) {
    const { text, required } = members[i]!;
    const nextAfter = after;
    after = rules.add(required ? then(`", " ${text}`, nextAfter) : `(${then(`", " ${text}`, nextAfter)}) | ${nextAfter}`);
    first = rules.add(required ? then(text, nextAfter) : `(${then(text, nextAfter)}) | ${first}`);
  }
  return first;
}

function value(schema: unknown, rules: Rules): string {
  if (!isObject(schema)) return 'py_any';
  if ('const' in schema) return literal(pythonLiteral(schema['const']));
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return alternatives(schema['enum'].map((v) => literal(pythonLiteral(v))));
  if (Array.isArray(schema['anyOf']) && schema['anyOf'].length > 0) return alternatives(schema['anyOf'].map((s) => value(s, rules)));
  const type = schema['type'];
  if (Array.isArray(type) && type.length > 0) return alternatives(type.map((t) => value({ ...schema, type: t }, rules)));
  switch (type) {
    case 'string': return stringValue(schema);
    case 'integer': return integerValue(schema);
    case 'number': return 'py_number';
    case 'boolean': return 'py_bool';
    case 'null': return '"None"';
    case 'array': return rules.add(`"[" ${separated(value(schema['items'], rules), bound(schema['minItems']) ?? 0, bound(schema['maxItems']))} "]"`);
    case 'object': return objectValue(schema, rules);
    default: return 'py_any';
  }
}

function stringValue(schema: Record<string, unknown>): string {
  const minimum = bound(schema['minLength']) ?? 0;
  const maximum = bound(schema['maxLength']);
  if (minimum === 0 && maximum === undefined) return 'py_string';
  return `"\\"" py_char{${minimum},${maximum ?? ''}} "\\""`;
}

function integerValue(schema: Record<string, unknown>): string {
  const number = (key: string) => (typeof schema[key] === 'number' ? schema[key] : undefined);
  const lowBounds = [number('minimum'), (number('exclusiveMinimum') ?? NaN) + 1].filter((n): n is number => n !== undefined && !Number.isNaN(n));
  const highBounds = [number('maximum'), (number('exclusiveMaximum') ?? NaN) - 1].filter((n): n is number => n !== undefined && !Number.isNaN(n));
  const low = lowBounds.length > 0 ? Math.ceil(Math.max(...lowBounds)) : undefined;
  const high = highBounds.length > 0 ? Math.floor(Math.min(...highBounds)) : undefined;
  if (low !== undefined && high !== undefined && high >= low && high - low < MAX_SPELLED_BOUND) {
    return alternatives(Array.from({ length: high - low + 1 }, (_, i) => literal(String(low + i))));
  }
  return low !== undefined && low >= 0 ? 'py_natural' : 'py_int';
}

function objectValue(schema: Record<string, unknown>, rules: Rules): string {
  const properties = schema['properties'];
  if (!isObject(properties) || Object.keys(properties).length === 0) return 'py_dict';
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
  const members = Object.entries(properties).map(([key, property]) => ({
    text: `${literal(JSON.stringify(key) + ': ')} ${value(property, rules)}`,
    required: required.has(key),
  }));
  return rules.add(`"{" ${orderedMembers(members, rules)} "}"`);
}

/** The keyword arguments of one call as an expression; its rules go to `rules`. */
function argumentsValue(parameters: Record<string, unknown>, strict: boolean, rules: Rules): string {
  const properties = parameters['properties'];
  if (!strict || !isObject(properties) || Object.keys(properties).length === 0) return 'py_kwargs';
  const required = new Set(Array.isArray(parameters['required']) ? parameters['required'] : []);
  const members = Object.entries(properties).flatMap(([name, property]) => {
    if (isIdentifier(name)) return [{ text: `${literal(name + '=')} ${value(property, rules)}`, required: required.has(name) }];
    if (!required.has(name)) return []; // it can only be left out
    throw new LlmError('invalid_argument', `the required parameter ${JSON.stringify(name)} is not a Python identifier, so a pythonic call cannot pass it`, 'tools');
  });
  return orderedMembers(members, rules);
}

/** EBNF (root rule `root`) for the keyword-argument list of one call to a tool with these parameters. */
export function pythonicArgumentsEbnf(parameters: Record<string, unknown>, strict: boolean): string {
  const rules = new Rules('args_');
  const root = argumentsValue(parameters, strict, rules);
  return [`root ::= ${root}`, rules.toString(), BASE_RULES].filter((part) => part !== '').join('\n');
}

/**
 * The whole output (root rule `root`): `[` one call, or several separated by ", " when parallel,
 * `]`; with `auto`, alternatively free text that does not start with `[` after its leading
 * whitespace (so that it is content to the parser, and every call the model writes is valid).
 */
export function pythonicCallsGrammar(tools: readonly ToolSignature[], options: { readonly parallel: boolean; readonly auto: boolean }): string {
  if (tools.length === 0) throw new LlmError('invalid_argument', 'no tools were given', 'tools');
  const rules = new Rules('call_');
  const calls = tools.map((tool) => {
    if (!isIdentifier(tool.name) || pythonKeywords.has(tool.name)) {
      throw new LlmError('invalid_argument', `tool ${JSON.stringify(tool.name)} cannot be called in the pythonic format: its name is not a Python identifier`, 'tools');
    }
    let args: string;
    try {
      args = argumentsValue(tool.parameters, tool.strict ?? true, rules);
    } catch (error) {
      if (error instanceof LlmError) throw new LlmError('invalid_argument', `tool ${JSON.stringify(tool.name)}: ${error.message}`, 'tools');
      throw error;
    }
    return rules.add(`${literal(tool.name + '(')} ${args} ")"`);
  });
  const call = alternatives(calls);
  const list = options.parallel ? `"[" ${call} (", " ${call})* "]"` : `"[" ${call} "]"`;
  const root = options.auto ? `${list} | [ \\t\\n\\r\\f]* ([^\\[ \\t\\n\\r\\f] [^]*)?` : list;
  return [`root ::= ${root}`, rules.toString(), BASE_RULES].join('\n');
}
