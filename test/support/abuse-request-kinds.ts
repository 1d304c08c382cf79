/**
 * Malformed requests, part one (the abuse suite's kinds are in abuse-request-kind.ts's shape):
 * sampling and control fields of the wrong type or out of range, ignored, refused and unknown
 * fields, message and content-part shapes, and completions requests.
 */
import { contextExceeded as context, kindList, nestedArrays, tooDeep, type Extra } from './abuse-request-kind.ts';

const { kinds, chat, completions, eachValue } = kindList();
export { kinds as requestKinds };

const user = (content: unknown) => ({ role: 'user', content });
const call = (fn: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}', ...fn }, ...extra });
/** user → assistant with `calls` → `tool` answering them. */
const history = (calls: unknown[], tool: Record<string, unknown> = {}) =>
  [user('Weather?'), { role: 'assistant', content: null, tool_calls: calls }, { role: 'tool', tool_call_id: 'call_1', content: 'sunny', ...tool }];

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
