/**
 * The malformed requests of the abuse suite (test/gpu/abuse-requests.test.ts), as data: each kind
 * is the fields laid over a small valid request, the field the refusal must name (OpenAI's
 * `param` path: `messages[2].content[1].text`, `tools[0].function.parameters`), and how it can
 * travel: values JSON cannot carry (NaN, BigInt, a cyclic object, 100,000 levels for
 * JSON.stringify) only in-process, or as hand-written JSON text.
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

type Extra = Partial<Pick<RequestKind, 'code' | 'message' | 'inProcess' | 'json'>>;

export const kinds: RequestKind[] = [];
const chat = (name: string, fields: () => Record<string, unknown>, param: RequestKind['param'], extra: Extra = {}) =>
  kinds.push({ name, api: 'chat', fields, param, ...extra });
const completions = (name: string, fields: () => Record<string, unknown>, param: RequestKind['param'], extra: Extra = {}) =>
  kinds.push({ name, api: 'completions', fields, param, ...extra });
/** One kind per bad value of one field, named after the value. */
const eachValue = (field: string, values: readonly unknown[], param = field, extra: Extra = {}) =>
  values.forEach((value) => chat(`${field}: ${JSON.stringify(value)?.slice(0, 30)}`, () => ({ [field]: value }), param, extra));

const tooDeep = /levels deep/;
const context = { code: 'context_length_exceeded' };

/** `levels` objects nested through properties.a, 2 JSON levels each. */
export function nestedSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema }, required: ['a'] };
  return schema;
}
/** The same as JSON text, written without recursion. */
export const nestedSchemaJson = (levels: number): string =>
  `${'{"type": "object", "required": ["a"], "properties": {"a": '.repeat(levels)}{"type": "string"}${'}}'.repeat(levels)}`;
function nestedArrays(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'integer' };
  for (let i = 0; i < levels; i++) schema = { type: 'array', items: schema };
  return schema;
}
function refChain(length: number): Record<string, unknown> {
  const defs: Record<string, unknown> = { [`d${length}`]: { type: 'string' } };
  for (let i = 0; i < length; i++) defs[`d${i}`] = { $ref: `#/$defs/d${i + 1}` };
  return { $defs: defs, $ref: '#/$defs/d0' };
}
const wideSchema = (properties: number) => ({ type: 'object', properties: Object.fromEntries(Array.from({ length: properties }, (_, i) => [`p${i}`, { type: 'string' }])) });

const user = (content: unknown) => ({ role: 'user', content });
const call = (fn: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}', ...fn }, ...extra });
/** user → assistant with `calls` → `tool` answering them. */
const history = (calls: unknown[], tool: Record<string, unknown> = {}) =>
  [user('Weather?'), { role: 'assistant', content: null, tool_calls: calls }, { role: 'tool', tool_call_id: 'call_1', content: 'sunny', ...tool }];
const tool = (fn: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ type: 'function', function: { name: 'get_weather', ...fn }, ...extra });
const named = { type: 'function', function: { name: 'get_weather' } };
const jsonSchema = (schema: unknown, extra: Record<string, unknown> = {}) => ({ response_format: { type: 'json_schema', json_schema: { name: 'out', schema, ...extra } } });

// ---- Sampling and control fields: wrong types, out of range ----------------------------------------
eachValue('temperature', ['hot', 3, -0.5, true, []]);
eachValue('top_p', [1.5, 'x', -1]);
eachValue('presence_penalty', [5, '1']);
eachValue('frequency_penalty', [-3, {}]);
eachValue('repetition_penalty', [-1, 1000, 'x']);
eachValue('top_k', [1.5, '5', -2]);
eachValue('min_p', [2, 'x']);
eachValue('max_tokens', ['garbage', 0, -1, 1.5]);
eachValue('max_completion_tokens', ['x', 0, [2]]);
chat('max_tokens: 1e9', () => ({ max_tokens: 1e9 }), 'max_tokens', context);
chat('max_tokens "garbage" beside a valid max_completion_tokens', () => ({ max_tokens: 'garbage', max_completion_tokens: 2 }), 'max_tokens');
chat('max_tokens -5 beside a valid max_completion_tokens', () => ({ max_tokens: -5, max_completion_tokens: 2 }), 'max_tokens');
eachValue('n', [0, 65, '2', 1.5]);
eachValue('seed', ['42', 1.5, 2 ** 53, 1e300]);
chat('seed: NaN', () => ({ seed: Number.NaN }), 'seed', { inProcess: true });
chat('seed: Infinity', () => ({ seed: Infinity }), 'seed', { inProcess: true });
eachValue('logprobs', ['yes', 1]);
chat('top_logprobs: 21', () => ({ logprobs: true, top_logprobs: 21 }), 'top_logprobs');
chat('top_logprobs without logprobs', () => ({ top_logprobs: 2 }), 'top_logprobs');
chat('top_logprobs: -1', () => ({ logprobs: true, top_logprobs: -1 }), 'top_logprobs');
chat('top_logprobs: "3"', () => ({ logprobs: true, top_logprobs: '3' }), 'top_logprobs');
eachValue('logit_bias', ['x', [], { abc: 1 }, { '-1': 1 }, { 5: 'x' }, { 5: 101 }, { 999999: 1 }, { '1e3': 1 }]);
chat('logit_bias: 301 entries', () => ({ logit_bias: Object.fromEntries(Array.from({ length: 301 }, (_, i) => [i, 1])) }), 'logit_bias');
chat('logit_bias: a value nested 100,000 levels', () => ({ logit_bias: { 5: nestedArrays(100_000) } }), 'logit_bias', { inProcess: true });
eachValue('stop', [5, [''], [1], {}]);
eachValue('stop_token_ids', ['x', [999999], [-1], ['x']]);
eachValue('allowed_token_ids', [[], [999999], 'x']);
eachValue('bad_words', ['x', [1]]);
eachValue('ignore_eos', ['yes']);
eachValue('min_tokens', [-1, '3']);
chat('min_tokens above max_tokens', () => ({ min_tokens: 5, max_tokens: 2 }), 'min_tokens');
eachValue('include_stop_str_in_output', ['x']);
eachValue('parallel_tool_calls', ['yes']);
eachValue('stream', ['yes', 1]);
chat('stream_options without stream', () => ({ stream_options: { include_usage: true } }), 'stream_options');
chat('stream_options: "x"', () => ({ stream: true, stream_options: 'x' }), 'stream_options');
chat('stream_options.include_usage: "yes"', () => ({ stream: true, stream_options: { include_usage: 'yes' } }), 'stream_options.include_usage');
chat('stream_options.continuous_usage_stats: 1', () => ({ stream: true, stream_options: { continuous_usage_stats: 1 } }), 'stream_options.continuous_usage_stats');
chat('stream_options.verbose', () => ({ stream: true, stream_options: { verbose: true } }), 'stream_options.verbose');

// ---- Ignored, refused and unknown fields ----------------------------------------------------------
eachValue('model', [5, {}]);
eachValue('user', [123, {}]);
eachValue('store', ['yes']);
eachValue('metadata', [[], 'x']);
eachValue('service_tier', [5]);
eachValue('safety_identifier', [1]);
eachValue('prompt_cache_key', [{}]);
eachValue('verbosity', [1]);
eachValue('reasoning_effort', [5]);
eachValue('length_penalty', ['x']);
eachValue('cache_salt', [5]);
eachValue('vllm_xargs', [[]]);
// Ignored, but posted to the engine's worker, whose structured clone recurses and copies no functions.
chat('metadata nested 100,000 levels', () => ({ metadata: nestedArrays(100_000) }), 'metadata', { inProcess: true, message: tooDeep });
chat('a function in metadata', () => ({ metadata: { callback: () => 1 } }), 'metadata', { inProcess: true, message: /function/ });
chat('audio output', () => ({ audio: { voice: 'alloy', format: 'mp3' } }), 'audio');
chat('modalities with audio', () => ({ modalities: ['text', 'audio'] }), 'modalities');
chat('functions', () => ({ functions: [{ name: 'f' }] }), 'functions');
chat('function_call', () => ({ function_call: 'auto' }), 'function_call');
chat('prediction', () => ({ prediction: { type: 'content', content: 'x' } }), 'prediction');
chat('web_search_options', () => ({ web_search_options: {} }), 'web_search_options');
chat('use_beam_search', () => ({ use_beam_search: true }), 'use_beam_search');
chat('best_of 2', () => ({ best_of: 2 }), 'best_of');
chat('prompt_logprobs', () => ({ prompt_logprobs: 1 }), 'prompt_logprobs');
chat('skip_special_tokens false', () => ({ skip_special_tokens: false }), 'skip_special_tokens');
chat('logits_processors', () => ({ logits_processors: ['x'] }), 'logits_processors');
chat('priority', () => ({ priority: 5 }), 'priority');
chat('guided_regex', () => ({ guided_regex: 'a+' }), 'guided_regex');
chat('guided_choice', () => ({ guided_choice: ['a'] }), 'guided_choice');
chat('guided_grammar', () => ({ guided_grammar: 'root ::= "a"' }), 'guided_grammar');
chat('a typo (temprature)', () => ({ temprature: 0.5 }), 'temprature');
chat('a field named constructor', () => ({ constructor: 1 }), 'constructor');
chat('a field named __proto__', () => JSON.parse('{"__proto__": {"temperature": 0}}') as Record<string, unknown>, '__proto__');
chat("a request's own chat_template (untrusted)", () => ({ chat_template: '{% for i in range(100000000) %}x{% endfor %}' }), 'chat_template');
eachValue('chat_template_kwargs', ['x']);
chat('chat_template_kwargs nested 100 levels', () => ({ chat_template_kwargs: { a: nestedArrays(100) } }), 'chat_template_kwargs', { message: tooDeep });
chat('chat_template_kwargs.messages', () => ({ chat_template_kwargs: { messages: 5 } }), 'chat_template_kwargs.messages');
eachValue('add_generation_prompt', ['x']);
chat('continue_final_message with add_generation_prompt', () => ({ continue_final_message: true, add_generation_prompt: true }), 'continue_final_message');
eachValue('documents', ['x', [{ a: 1 }]]);
eachValue('truncate_prompt_tokens', [0, 'x']);
eachValue('include_reasoning', ['x']);
eachValue('request_id', ['', 5]);
eachValue('echo', ['x']);
eachValue('add_special_tokens', ['x']);

// ---- Messages and content parts -----------------------------------------------------------------
eachValue('messages', [undefined, 'hi', [], {}], 'messages');
chat('messages: [null]', () => ({ messages: [null] }), 'messages[0]');
chat('messages: ["hi"]', () => ({ messages: ['hi'] }), 'messages[0]');
chat('messages: [{}]', () => ({ messages: [{}] }), 'messages[0].role');
for (const role of ['robot', 'function', 5, 'toString']) chat(`role ${JSON.stringify(role)}`, () => ({ messages: [{ role, content: 'x' }] }), 'messages[0].role');
for (const content of [5, null, {}, undefined, true]) chat(`user content ${JSON.stringify(content)}`, () => ({ messages: [{ role: 'user', content }] }), 'messages[0].content');
chat('name: 5', () => ({ messages: [{ role: 'user', content: 'x', name: 5 }] }), 'messages[0].name');
chat('an unknown message field', () => ({ messages: [{ role: 'user', content: 'x', foo: 1 }] }), 'messages[0].foo');
chat('a message field named constructor', () => ({ messages: [{ role: 'user', content: 'x', constructor: 1 }] }), 'messages[0].constructor');
chat('audio on a message', () => ({ messages: [user('x'), { role: 'assistant', content: 'y', audio: { id: 'a' } }] }), 'messages[1].audio');
chat('function_call on a message', () => ({ messages: [user('x'), { role: 'assistant', content: 'y', function_call: { name: 'f', arguments: '{}' } }] }), 'messages[1].function_call');
chat('tool_call_id on a user message', () => ({ messages: [{ role: 'user', content: 'x', tool_call_id: 'c' }] }), 'messages[0].tool_call_id');
const part = (value: unknown, param: string, name: string) => chat(`content part: ${name}`, () => ({ messages: [user([value])] }), param);
part(5, 'messages[0].content[0]', 'a number');
part(null, 'messages[0].content[0]', 'null');
part({ type: 'text' }, 'messages[0].content[0].text', 'text missing');
part({ type: 'text', text: 5 }, 'messages[0].content[0].text', 'text a number');
part({ type: 'image_url', image_url: { url: 'https://x/y.png' } }, 'messages[0].content[0]', 'an image');
part({ type: 'input_audio', input_audio: { data: '', format: 'wav' } }, 'messages[0].content[0]', 'audio');
part({ type: 'file', file: { file_id: 'f' } }, 'messages[0].content[0]', 'a file');
part({ type: 'refusal', refusal: 'no' }, 'messages[0].content[0].type', 'a refusal in a user message');
part({ type: 'text', text: 'x', extra: 1 }, 'messages[0].content[0].extra', 'an extra field');
part({ type: 'video' }, 'messages[0].content[0].type', 'an unknown type');
part({ text: 'x' }, 'messages[0].content[0].type', 'no type');
chat('the second part of the third message', () => ({ messages: [user('a'), { role: 'assistant', content: 'b' }, user([{ type: 'text', text: 'c' }, { type: 'text', text: 7 }])] }), 'messages[2].content[1].text');
chat('an assistant refusal part of the wrong type', () => ({ messages: [user('a'), { role: 'assistant', content: [{ type: 'refusal', refusal: 5 }] }] }), 'messages[1].content[0].refusal');
chat('tool_calls: "x"', () => ({ messages: [user('x'), { role: 'assistant', content: null, tool_calls: 'x' }] }), 'messages[1].tool_calls');
chat('tool_calls: [5]', () => ({ messages: history([5]) }), 'messages[1].tool_calls[0]');
chat('a tool call without id', () => ({ messages: history([{ type: 'function', function: { name: 'f', arguments: '{}' } }]) }), 'messages[1].tool_calls[0].id');
chat('a tool call of type "x"', () => ({ messages: history([call({}, { type: 'x' })]) }), 'messages[1].tool_calls[0].type');
chat('a tool call with function null', () => ({ messages: history([{ id: 'call_1', type: 'function', function: null }]) }), 'messages[1].tool_calls[0].function');
chat('a tool call named 5', () => ({ messages: history([call({ name: 5 })]) }), 'messages[1].tool_calls[0].function.name');
chat('tool call arguments 5', () => ({ messages: history([call({ arguments: 5 })]) }), 'messages[1].tool_calls[0].function.arguments');
chat('tool call arguments nested 100,000 levels', () => ({ messages: history([call({ arguments: { a: nestedArrays(100_000) } })]) }), 'messages[1].tool_calls[0].function.arguments', { inProcess: true, message: tooDeep });
chat('tool call arguments nested 200 levels', () => ({ messages: history([call({ arguments: { a: nestedArrays(200) } })]) }), 'messages[1].tool_calls[0].function.arguments', { message: tooDeep });
chat('an extra field on a tool call', () => ({ messages: history([call({}, { index: 0 })]) }), 'messages[1].tool_calls[0].index');
chat('a tool message without tool_call_id', () => ({ messages: history([call({})], { tool_call_id: undefined }) }), 'messages[2].tool_call_id');
chat('a tool message answering no call', () => ({ messages: history([call({})], { tool_call_id: 'call_9' }) }), 'messages[2].tool_call_id');
chat('a tool message with content 5', () => ({ messages: history([call({})], { content: 5 }) }), 'messages[2].content');
chat('reasoning_content 5', () => ({ messages: [user('x'), { role: 'assistant', content: 'y', reasoning_content: 5 }] }), 'messages[1].reasoning_content');
chat('refusal 5', () => ({ messages: [user('x'), { role: 'assistant', content: 'y', refusal: 5 }] }), 'messages[1].refusal');
chat('a prompt longer than the context', () => ({ messages: [user('word '.repeat(3000))] }), 'messages', context);

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

// ---- Completions ----------------------------------------------------------------------------------
const completion = (name: string, fields: Record<string, unknown>, param: string, extra: Extra = {}) => completions(name, () => fields, param, extra);
completion('prompt missing', { prompt: undefined }, 'prompt');
completion('prompt 5', { prompt: 5 }, 'prompt');
completion('prompt ""', { prompt: '' }, 'prompt');
completion('prompt []', { prompt: [] }, 'prompt');
completion('prompt [[]]', { prompt: [[]] }, 'prompt[0]');
completion('prompt out of the vocabulary', { prompt: [999999] }, 'prompt');
completion('prompt [-1]', { prompt: [-1] }, 'prompt');
completion('prompt mixing text and ids', { prompt: ['a', 5] }, 'prompt');
completion('an empty second prompt', { prompt: ['a', ''] }, 'prompt[1]');
completion('2,000 prompts', { prompt: Array.from({ length: 2000 }, () => 'a') }, 'prompt');
completion('a prompt longer than the context', { prompt: 'word '.repeat(3000) }, 'prompt', context);
completion('max_tokens 0 without echo', { max_tokens: 0 }, 'max_tokens');
completion('max_tokens "x"', { max_tokens: 'x' }, 'max_tokens');
completion('logprobs 21', { logprobs: 21 }, 'logprobs');
completion('logprobs true', { logprobs: true }, 'logprobs');
completion('echo with logprobs', { echo: true, logprobs: 1 }, 'echo');
completion('suffix', { suffix: 'x' }, 'suffix');
completion('best_of 3', { best_of: 3 }, 'best_of');
completion('n 65', { n: 65 }, 'n');
completion('response_format json_object', { response_format: { type: 'json_object' } }, 'response_format');
completion('messages', { messages: [] }, 'messages');
completion('user 123', { user: 123 }, 'user');
completion('stop_token_ids out of the vocabulary', { stop_token_ids: [999999] }, 'stop_token_ids', { message: /^(400 )?stop_token_ids: / });
completion('logit_bias out of the vocabulary', { logit_bias: { 999999: 1 } }, 'logit_bias', { message: /^(400 )?logit_bias: / });
completion('temperature 3', { temperature: 3 }, 'temperature');
completion('seed "x"', { seed: 'x' }, 'seed');
completion('include_stop_str_in_output', { include_stop_str_in_output: true }, 'include_stop_str_in_output');
completion('stream_options.verbose', { stream: true, stream_options: { verbose: true } }, 'stream_options.verbose');
completion('request_id', { request_id: 'x' }, 'request_id');
completion('min_tokens above max_tokens', { min_tokens: 5, max_tokens: 2 }, 'min_tokens');
completion('top_k -5', { top_k: -5 }, 'top_k');
