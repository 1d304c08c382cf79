/**
 * runTools refuses, before anything runs, a tool schema it could not check fully or at a bounded
 * cost: each case is a 400 naming `tools[i].function.parameters`, the tool and the keyword; the
 * schemas real tools use still compile.
 */
import { describe, expect, it, vi } from 'vitest';
import { runTools, type RunnableTool } from '../../src/api/tool-runner.ts';
import { isLlmError, type LlmError } from '../../src/errors.ts';
import { ScriptedChatApi } from '../support/scripted-chat-api.ts';

const user = [{ role: 'user' as const, content: 'Hi' }];

function refusal(parameters: unknown, index = 0): LlmError {
  const api = new ScriptedChatApi([]);
  const run = vi.fn(() => 'ran');
  const ok: RunnableTool = { type: 'function', function: { name: 'ok', parameters: { type: 'object' } }, run };
  const bad = { type: 'function', function: { name: 'lookup', parameters }, run } as unknown as RunnableTool;
  const tools = index === 0 ? [bad] : [ok, bad];
  try {
    runTools(api, { model: 'm', messages: user, tools });
  } catch (error) {
    expect(isLlmError(error, 'invalid_argument'), String(error)).toBe(true);
    expect(api.requests).toHaveLength(0); // refused before the first request
    expect(run).not.toHaveBeenCalled();
    return error as LlmError;
  }
  throw new Error(`schema accepted: ${JSON.stringify(parameters)}`);
}

const cyclic: Record<string, unknown> = { type: 'object', properties: {} };
(cyclic.properties as Record<string, unknown>).self = cyclic;

const nestedDeep = (depth: number) => {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
};

const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

// [what, schema, keyword or text the message names]
const refused: [string, unknown, string | RegExp][] = [
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
  ['a keyword with the wrong type', object({ a: { type: 'string', minLength: 'three' } }), /minLength/],
];

describe('tool schemas runTools refuses', () => {
  it.each(refused)('%s', (_what, schema, names) => {
    const error = refusal(schema);
    expect(error.subject).toBe('tools[0].function.parameters');
    expect(error.status).toBe(400);
    expect(error.message).toContain("tool 'lookup'");
    if (typeof names === 'string') expect(error.message).toContain(names);
    else expect(error.message).toMatch(names);
  });

  it('names the index of the tool at fault', () => {
    expect(refusal({ $async: true, type: 'object' }, 1).subject).toBe('tools[1].function.parameters');
  });

  it('refuses a schema whose references expand past the budget (a DAG of shared definitions)', () => {
    const definitions: Record<string, unknown> = { d0: { type: 'string' } };
    for (let i = 1; i <= 20; i++) definitions[`d${i}`] = { anyOf: [{ $ref: `#/definitions/d${i - 1}` }, { $ref: `#/definitions/d${i - 1}` }] };
    const error = refusal({ type: 'object', definitions, properties: { a: { $ref: '#/definitions/d20' } } });
    expect(error.message).toMatch(/expands to more than 10000/);
  });
});

describe('tool schemas runTools accepts', () => {
  const accepted: [string, Record<string, unknown>][] = [
    ['the demo tools', { type: 'object', properties: { city: { type: 'string', description: 'The city' } }, required: ['city'] }],
    ['no type at the root', { properties: { a: { type: 'string' } } }],
    ['a type list with object', { type: ['object', 'null'], properties: {} }],
    ['local definitions', { type: 'object', $defs: { unit: { enum: ['c', 'f'] } }, properties: { unit: { $ref: '#/$defs/unit' } } }],
    ['shared (non-recursive) references', { type: 'object', definitions: { s: { type: 'string' } }, properties: { a: { $ref: '#/definitions/s' }, b: { $ref: '#/definitions/s' } } }],
    ['the formats it checks', { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, mail: { type: 'string', format: 'email' }, id: { type: 'string', format: 'uuid' } } }],
    ['uniqueItems over strings', { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' }, uniqueItems: true } } }],
    ['uniqueItems over objects with maxItems', { type: 'object', properties: { a: { type: 'array', items: { type: 'object' }, uniqueItems: true, maxItems: 50 } } }],
    ['metadata keywords', { type: 'object', title: 'T', description: 'D', $comment: 'c', examples: [{ $async: true }], properties: { a: { type: 'string', default: 'x', deprecated: true, readOnly: true } } }],
    ['property names that look like keywords', { type: 'object', properties: { $ref: { type: 'string' }, $async: { type: 'boolean' }, format: { type: 'string' } } }],
    ['undefined members (dropped as JSON)', { type: 'object', description: undefined, properties: { a: { type: 'string' } } }],
    ['a draft-07 $schema', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }],
    ['patterns RE2 runs', { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{3}-\\d{2,4}$' } }, patternProperties: { '^x-': { type: 'string' } } }],
  ];
  it.each(accepted)('%s', (_what, parameters) => {
    const api = new ScriptedChatApi([]);
    expect(() => runTools(api, { model: 'm', messages: user, tools: [{ type: 'function', function: { name: 'f', parameters }, run: () => 'ok' }] })).not.toThrow();
  });
});
