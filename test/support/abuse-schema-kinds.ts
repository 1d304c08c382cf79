/**
 * Malformed requests, part two: tools and tool_choice, response_format and vLLM's structured
 * outputs, schemas nested 55, 1,000 and 100,000 levels deep, $ref loops and chains, over-size
 * schemas, and numbers that only JSON text can carry (1e309 parses as Infinity).
 */
import { kindList, nestedArrays, nestedSchema, nestedSchemaJson, refChain, tooDeep, wideSchema } from './abuse-request-kind.ts';

const { kinds, chat, eachValue } = kindList();
export { kinds as schemaKinds };

const tool = (fn: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ type: 'function', function: { name: 'get_weather', ...fn }, ...extra });
const named = { type: 'function', function: { name: 'get_weather' } };
const jsonSchema = (schema: unknown, extra: Record<string, unknown> = {}) => ({ response_format: { type: 'json_schema', json_schema: { name: 'out', schema, ...extra } } });

// ---- Tools and tool_choice ----------------------------------------------------------------------
eachValue('tools', ['x', [], {}], 'tools');
chat('tools: [5]', () => ({ tools: [5] }), 'tools[0]');
chat('a custom tool', () => ({ tools: [{ type: 'custom', custom: { name: 'x' } }] }), 'tools[0].type');
chat('a retrieval tool', () => ({ tools: [{ type: 'retrieval' }] }), 'tools[0].type');
chat('a tool without function', () => ({ tools: [{ type: 'function' }] }), 'tools[0].function');
chat('a tool name with a space', () => ({ tools: [tool({ name: 'get weather' })] }), 'tools[0].function.name');
chat('a tool name of 65 characters', () => ({ tools: [tool({ name: 'a'.repeat(65) })] }), 'tools[0].function.name');
chat('two tools of one name', () => ({ tools: [tool(), tool()] }), 'tools[1].function.name');
chat('a tool description 5', () => ({ tools: [tool({ description: 5 })] }), 'tools[0].function.description');
chat('tool parameters "x"', () => ({ tools: [tool({ parameters: 'x' })] }), 'tools[0].function.parameters');
chat('tool parameters []', () => ({ tools: [tool({ parameters: [] })] }), 'tools[0].function.parameters');
chat('tool strict "yes"', () => ({ tools: [tool({ strict: 'yes' })] }), 'tools[0].function.strict');
chat('an extra function field', () => ({ tools: [tool({ examples: [] })] }), 'tools[0].function.examples');
chat('an extra tool field', () => ({ tools: [tool({}, { cache_control: {} })] }), 'tools[0].cache_control');
chat('129 tools', () => ({ tools: Array.from({ length: 129 }, (_, i) => tool({ name: `f${i}` })) }), 'tools');
chat('tool schemas over 10,000 nodes together', () => ({ tools: [tool({ name: 'a', parameters: wideSchema(6000) }), tool({ name: 'b', parameters: wideSchema(6000) })] }), 'tools', { message: /in all/ });
for (const levels of [55, 1000]) {
  chat(`tool parameters nested ${levels} levels, tool_choice required`, () => ({ tools: [tool({ parameters: nestedSchema(levels) })], tool_choice: 'required' }), 'tools[0].function.parameters', { message: tooDeep });
}
chat('tool parameters nested 55 levels, strict under auto', () => ({ tools: [tool({ parameters: nestedSchema(55), strict: true })] }), 'tools[0].function.parameters', { message: tooDeep });
chat('tool parameters nested 100,000 levels', () => ({ tools: [tool({ parameters: nestedSchema(100_000) })], tool_choice: named }), 'tools[0].function.parameters', { inProcess: true, message: tooDeep });
chat('tool parameters nested 100,000 levels, as JSON text', () => ({}), 'tools[0].function.parameters', {
  message: tooDeep, json: () => `{"model": "fixture", "max_tokens": 2, "messages": [{"role": "user", "content": "Hi"}], "tool_choice": "required", "tools": [{"type": "function", "function": {"name": "f", "parameters": ${nestedSchemaJson(100_000)}}}]}`,
});
chat('tool parameters {"$ref": "#"}', () => ({ tools: [tool({ parameters: { $ref: '#' } })], tool_choice: 'required' }), 'tools[0].function.parameters');
chat('tool parameters holding NaN', () => ({ tools: [tool({ parameters: { type: 'object', properties: { a: { type: 'number', maximum: Number.NaN } } } })] }), 'tools[0].function.parameters', { inProcess: true });
chat('tool parameters XGrammar rejects, tool_choice required', () => ({ tools: [tool({ parameters: { type: 'nope' } })], tool_choice: 'required' }), 'tools');
chat('a named tool_choice with tools "x"', () => ({ tools: 'x', tool_choice: named }), 'tools');
chat('a named tool_choice with tools [null]', () => ({ tools: [null], tool_choice: named }), 'tools[0]');
chat('a named tool_choice with a tool whose function is null', () => ({ tools: [{ type: 'function', function: null }], tool_choice: named }), 'tools[0].function');
chat('a named tool_choice with a tool named 5', () => ({ tools: [{ type: 'function', function: { name: 5 } }], tool_choice: named }), 'tools[0].function.name');
chat('a named tool_choice naming no tool', () => ({ tools: [tool({ name: 'other' })], tool_choice: named }), 'tool_choice');
eachValue('tool_choice', ['sometimes', 5, 'required'], 'tool_choice');
chat('tool_choice {type: "function"} without function', () => ({ tools: [tool()], tool_choice: { type: 'function' } }), 'tool_choice.function');
chat('tool_choice function name 5', () => ({ tools: [tool()], tool_choice: { type: 'function', function: { name: 5 } } }), 'tool_choice.function.name');
chat('tool_choice of type "x"', () => ({ tools: [tool()], tool_choice: { type: 'x' } }), 'tool_choice.type');
chat('a custom tool_choice', () => ({ tools: [tool()], tool_choice: { type: 'custom', custom: { name: 'x' } } }), 'tool_choice');
chat('allowed_tools with mode "any"', () => ({ tools: [tool()], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'any', tools: [named] } } }), 'tool_choice.allowed_tools');
chat('allowed_tools naming none', () => ({ tools: [tool()], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } }), 'tool_choice.allowed_tools.tools');
chat('allowed_tools naming an undeclared tool', () => ({ tools: [tool()], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'zz' } }] } } }), 'tool_choice.allowed_tools.tools[0]');
chat('tool_choice required with response_format json_object', () => ({ tools: [tool()], tool_choice: 'required', response_format: { type: 'json_object' } }), 'response_format');

// ---- response_format and vLLM's structured outputs ----------------------------------------------
eachValue('response_format', ['json', 5], 'response_format');
chat('response_format type "xml"', () => ({ response_format: { type: 'xml' } }), 'response_format.type');
chat('response_format json_object with a schema', () => ({ response_format: { type: 'json_object', schema: {} } }), 'response_format.schema');
chat('response_format structural_tag', () => ({ response_format: { type: 'structural_tag', structures: [], triggers: [] } }), 'response_format');
chat('json_schema missing', () => ({ response_format: { type: 'json_schema' } }), 'response_format.json_schema');
chat('json_schema without name', () => ({ response_format: { type: 'json_schema', json_schema: { schema: {} } } }), 'response_format.json_schema.name');
chat('json_schema name 5', () => jsonSchema({}, { name: 5 }), 'response_format.json_schema.name');
chat('json_schema schema "x"', () => jsonSchema('x'), 'response_format.json_schema.schema');
chat('json_schema schema []', () => jsonSchema([]), 'response_format.json_schema.schema');
chat('json_schema strict "yes"', () => jsonSchema({}, { strict: 'yes' }), 'response_format.json_schema.strict');
chat('json_schema extra field', () => jsonSchema({}, { schemas: {} }), 'response_format.json_schema.schemas');
for (const levels of [55, 1000]) chat(`json_schema nested ${levels} levels`, () => jsonSchema(nestedSchema(levels)), 'response_format.json_schema.schema', { message: tooDeep });
chat('json_schema nested 100,000 levels', () => jsonSchema(nestedSchema(100_000)), 'response_format.json_schema.schema', { inProcess: true, message: tooDeep });
chat('json_schema nested 100,000 levels, as JSON text', () => ({}), 'response_format.json_schema.schema', {
  message: tooDeep, json: () => `{"model": "fixture", "max_tokens": 2, "messages": [{"role": "user", "content": "Hi"}], "response_format": {"type": "json_schema", "json_schema": {"name": "deep", "schema": ${nestedSchemaJson(100_000)}}}}`,
});
chat('json_schema arrays nested 1,000 levels', () => jsonSchema(nestedArrays(1000)), 'response_format.json_schema.schema', { message: tooDeep });
chat('json_schema $ref chain 100 long (flat JSON)', () => jsonSchema(refChain(100)), 'response_format.json_schema.schema', { message: /through its \$refs/ });
chat('json_schema {"$ref": "#"}', () => jsonSchema({ $ref: '#' }), 'response_format.json_schema.schema', { message: /back to itself/ });
chat('json_schema $ref loop through $defs', () => jsonSchema({ $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a', type: 'string' } }, $ref: '#/$defs/a' }), 'response_format.json_schema.schema');
chat('json_schema over 10,000 nodes', () => jsonSchema(wideSchema(10_000)), 'response_format.json_schema.schema');
chat('json_schema over 1 MB', () => jsonSchema({ type: 'string', description: 'x'.repeat(1_000_001) }), 'response_format.json_schema.schema');
chat('json_schema XGrammar rejects', () => jsonSchema({ type: 'no-such-type' }), 'response_format');
chat('json_schema holding a BigInt', () => jsonSchema({ type: 'integer', maximum: 10n }), 'response_format.json_schema.schema', { inProcess: true });
chat('json_schema that contains itself (in-process)', () => {
  const schema: Record<string, unknown> = { type: 'object' };
  schema['properties'] = { self: schema };
  return jsonSchema(schema);
}, 'response_format.json_schema.schema', { inProcess: true });
eachValue('structured_outputs', ['x'], 'structured_outputs');
chat('structured_outputs regex', () => ({ structured_outputs: { regex: 'a+' } }), 'structured_outputs.regex');
chat('structured_outputs json 5', () => ({ structured_outputs: { json: 5 } }), 'structured_outputs.json');
chat('structured_outputs json text that does not parse', () => ({ structured_outputs: { json: '{bad' } }), 'structured_outputs.json');
chat('structured_outputs json nested 1,000 levels', () => ({ structured_outputs: { json: nestedSchema(1000) } }), 'structured_outputs.json', { message: tooDeep });
chat('guided_json text nested 100,000 levels', () => ({ guided_json: `${'{"a": '.repeat(100_000)}1${'}'.repeat(100_000)}` }), 'guided_json', { message: tooDeep });
chat('guided_json text over 1 MB', () => ({ guided_json: nestedSchemaJson(100_000) }), 'guided_json', { message: /characters of JSON/ });
chat('guided_json {"$ref": "#"}', () => ({ guided_json: { $ref: '#' } }), 'guided_json');
chat('guided_json with structured_outputs', () => ({ guided_json: {}, structured_outputs: { json: {} } }), 'guided_json');
chat('structured_outputs with response_format', () => ({ structured_outputs: { json: {} }, response_format: { type: 'json_object' } }), 'structured_outputs');

// ---- JSON text only: numbers past the double range parse as Infinity --------------------------------
const asText = (name: string, fieldsJson: string, param: string) => chat(name, () => ({}), param, {
  json: () => `{"model": "fixture", "max_tokens": 2, "messages": [{"role": "user", "content": "Hi"}], ${fieldsJson}}`,
});
asText('temperature 1e309', '"temperature": 1e309', 'temperature');
asText('seed -1e309', '"seed": -1e309', 'seed');
asText('logit_bias value 1e309', '"logit_bias": {"5": 1e309}', 'logit_bias');
asText('a schema maximum of 1e309', '"response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "number", "maximum": 1e309}}}', 'response_format.json_schema.schema');
