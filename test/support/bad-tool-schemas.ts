/**
 * Tool `parameters` schemas runTools must refuse before anything runs, each with the text its
 * refusal names (the keyword, or what is wrong): shared by the unit test of the schema check and
 * the abuse suite that runs them against a real engine.
 */
const cyclic: Record<string, unknown> = { type: 'object', properties: {} };
(cyclic.properties as Record<string, unknown>).self = cyclic;

const nestedDeep = (depth: number) => {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
};

/** Shared definitions, each two references to the one before: small, but 2^20 subschemas expanded. */
const expandingDefinitions = () => {
  const definitions: Record<string, unknown> = { d0: { type: 'string' } };
  for (let i = 1; i <= 20; i++) definitions[`d${i}`] = { anyOf: [{ $ref: `#/definitions/d${i - 1}` }, { $ref: `#/definitions/d${i - 1}` }] };
  return { type: 'object', definitions, properties: { a: { $ref: '#/definitions/d20' } } };
};

const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

// [what, schema, keyword or text the message names]
export const badToolSchemas: readonly (readonly [what: string, schema: unknown, names: string | RegExp])[] = [
  ['$async at the root', { $async: true, type: 'object', properties: { n: { type: 'integer', maximum: 10 } } }, '"$async"'],
  ['$async in a property', object({ n: { $async: true, type: 'integer' } }), '"$async"'],
  ['$async false', { $async: false, type: 'object' }, '"$async"'],
  ['$data as a keyword value', object({ a: { type: 'integer' }, b: { type: 'integer', maximum: { $data: '1/a' } } }), '"$data"'],
  ['$data as a keyword', object({ a: { $data: '/b' } }), '"$data"'],
  ['a remote $ref', object({ a: { $ref: 'https://example.com/schema.json' } }), '"$ref"'],
  ['a relative $ref', object({ a: { $ref: 'other.json#/x' } }), '"$ref"'],
  ['a $ref pointing nowhere', object({ a: { $ref: '#/definitions/missing' } }), 'points nowhere'],
  ['a $ref that is not a string', object({ a: { $ref: 42 } }), '"$ref"'],
  ['a recursive $ref', { type: 'object', properties: { child: { $ref: '#' } } }, 'recursive'],
  ['recursion through definitions', { type: 'object', definitions: { node: { type: 'object', properties: { next: { $ref: '#/definitions/node' } } } }, properties: { head: { $ref: '#/definitions/node' } } }, 'recursive'],
  ['a cyclic object', cyclic, /recursive|cycle/],
  ['a nested $id', object({ a: { $id: 'http://example.com/a', type: 'string' } }), '"$id"'],
  ['an unknown keyword (a typo)', object({ a: { type: 'string' } }, { requried: ['a'] }), 'requried'],
  ['an unknown keyword in a property', object({ a: { type: 'string', maxLenght: 3 } }), 'maxLenght'],
  ['"then" without "if"', object({ a: { type: 'string' } }, { then: { required: ['a'] } }), /then/],
  ['a custom format', object({ a: { type: 'string', format: 'credit-card' } }), 'credit-card'],
  ['a standard format the runner does not check', object({ a: { type: 'string', format: 'uri-template' } }), 'uri-template'],
  ['a non-string format', object({ a: { type: 'string', format: 7 } }), '"format"'],
  ['uniqueItems over objects without maxItems', object({ a: { type: 'array', items: { type: 'object' }, uniqueItems: true } }), '"uniqueItems"'],
  ['uniqueItems without items', object({ a: { type: 'array', uniqueItems: true, maxItems: 100_000 } }), '"uniqueItems"'],
  ['a backreference pattern', object({ a: { type: 'string', pattern: '^(a)\\1$' } }), /pattern|\\1|escape/],
  ['a named backreference pattern', object({ a: { type: 'string', pattern: '^(?<x>a)\\k<x>$' } }), /backreference/],
  ['a lookahead pattern', object({ a: { type: 'string', pattern: '^(?=a)a+$' } }), /\(\?=|Perl/],
  ['a lookahead in patternProperties', { type: 'object', patternProperties: { '^(?!x)': { type: 'string' } } }, /\(\?!|Perl/],
  ['an invalid JavaScript pattern', object({ a: { type: 'string', pattern: '[' } }), /pattern|Invalid|missing/i],
  ['a root type that is not object', { type: 'array', items: { type: 'string' } }, '"type"'],
  ['a root type of string', { type: 'string' }, '"type"'],
  ['a schema that is a string', 'object', 'JSON schema object'],
  ['a schema that is an array', [{ type: 'object' }], 'JSON schema object'],
  ['a schema that is null', null, 'JSON schema object'],
  ['a function inside the schema', object({ a: { type: 'string', description: () => 'x' } }), 'function'],
  ['a RegExp as pattern', object({ a: { type: 'string', pattern: /a+/ } }), 'RegExp'],
  ['NaN as maximum', object({ a: { type: 'number', maximum: Number.NaN } }), 'NaN'],
  ['a Date as default', object({ a: { type: 'string', default: new Date(0) } }), 'Date'],
  ['a BigInt as const', object({ a: { const: 10n } }), 'bigint'],
  ['nesting deeper than 64 levels', nestedDeep(70), 'deeper than 64'],
  ['a $schema ajv does not know', { $schema: 'https://example.com/meta', type: 'object' }, /\$schema|no schema|meta/],
  ['references expanding past the budget', expandingDefinitions(), 'expands to more than 10000'],
  ['a keyword with the wrong type', object({ a: { type: 'string', minLength: 'three' } }), /minLength/],
];
