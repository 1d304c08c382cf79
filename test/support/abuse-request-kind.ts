/**
 * The shape of one kind of malformed request in the abuse suite (abuse-request-kinds.ts,
 * abuse-schema-kinds.ts, run by test/gpu/abuse-requests.test.ts): the fields laid over a small
 * valid request, the field the refusal must name (OpenAI's `param` path:
 * `messages[2].content[1].text`, `tools[0].function.parameters`), and how it can travel: values
 * JSON cannot carry (NaN, BigInt, a cyclic object, 100,000 levels for JSON.stringify) only
 * in-process, or as hand-written JSON text. Also the large values the kinds are built from.
 */
export interface RequestKind {
  readonly name: string;
  readonly api: 'chat' | 'completions';
  /** Fields over the base request; undefined removes one. Built when the kind runs (some are large). */
  readonly fields: () => Record<string, unknown>;
  readonly param: string | RegExp | null;
  readonly code?: string;
  readonly message?: RegExp;
  /** Only in-process: JSON cannot carry the value. */
  readonly inProcess?: boolean;
  /** Sent as this JSON text through the SDK's raw post (the SDK's own JSON.stringify would overflow). */
  readonly json?: () => string;
}


export type Extra = Partial<Pick<RequestKind, 'code' | 'message' | 'inProcess' | 'json'>>;
type Param = RequestKind['param'];

/** A list of kinds and the ways to add to it. */
export function kindList() {
  const kinds: RequestKind[] = [];
  const chat = (name: string, fields: () => Record<string, unknown>, param: Param, extra: Extra = {}) => kinds.push({ name, api: 'chat', fields, param, ...extra });
  const completions = (name: string, fields: () => Record<string, unknown>, param: Param, extra: Extra = {}) => kinds.push({ name, api: 'completions', fields, param, ...extra });
  /** One chat kind per bad value of one field, named after the value. */
  const eachValue = (field: string, values: readonly unknown[], param = field, extra: Extra = {}) =>
    values.forEach((value) => chat(`${field}: ${JSON.stringify(value)?.slice(0, 30)}`, () => ({ [field]: value }), param, extra));
  return { kinds, chat, completions, eachValue };
}

export const tooDeep = /levels deep/;
export const contextExceeded = { code: 'context_length_exceeded' } as const;

/** `levels` objects nested through properties.a, 2 JSON levels each. */
export function nestedSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema }, required: ['a'] };
  return schema;
}
/** The same as JSON text, written without recursion. */
export const nestedSchemaJson = (levels: number): string =>
  `${'{"type": "object", "required": ["a"], "properties": {"a": '.repeat(levels)}{"type": "string"}${'}}'.repeat(levels)}`;
export function nestedArrays(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'integer' };
  for (let i = 0; i < levels; i++) schema = { type: 'array', items: schema };
  return schema;
}
export function refChain(length: number): Record<string, unknown> {
  const defs: Record<string, unknown> = { [`d${length}`]: { type: 'string' } };
  for (let i = 0; i < length; i++) defs[`d${i}`] = { $ref: `#/$defs/d${i + 1}` };
  return { $defs: defs, $ref: '#/$defs/d0' };
}
export const wideSchema = (properties: number) => ({ type: 'object', properties: Object.fromEntries(Array.from({ length: properties }, (_, i) => [`p${i}`, { type: 'string' }])) });
