/**
 * Chat template rendering against goldens written by hand from the Qwen2.5 / Qwen3 template
 * sources, for the request shapes vLLM's chat endpoint converts (text parts, parsed tool-call
 * arguments, null content, tool descriptions), plus transformers' Python-json `tojson`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChatTemplate, type ChatCompletionFunctionTool, type ChatTemplateInput } from '../../src/chat/chat-template.ts';
import type { ChatCompletionMessageParam } from '../../src/chat/chat-types.ts';
import { isLlmError } from '../../src/errors.ts';

function fixtureTemplate(model: string): ChatTemplate {
  const config = JSON.parse(readFileSync(new URL(`../fixtures/${model}/tokenizer_config.json`, import.meta.url), 'utf8')) as { chat_template: string };
  return new ChatTemplate(config.chat_template);
}

const qwen25 = fixtureTemplate('qwen2-bf16');
const qwen3 = fixtureTemplate('qwen3-f32');

/** Renders with the generation prompt on unless the case says otherwise. */
function render(template: ChatTemplate, messages: ChatCompletionMessageParam[], extra: Partial<ChatTemplateInput> = {}): string {
  return template.render({ messages, addGenerationPrompt: true, eosToken: '<|im_end|>', ...extra });
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const weatherTool: ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city'],
    },
  },
};
// No description or parameters: vLLM's tool model still dumps both, as null.
const timeTool: ChatCompletionFunctionTool = { type: 'function', function: { name: 'get_time' } };

const parisCall = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city": "Paris"}' } };

describe('Qwen2.5 template', () => {
  it('a system message replaces the default one', () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are a terse assistant.' },
      { role: 'user', content: 'What is 2+2?' },
    ];
    expect(render(qwen25, messages)).toBe(
      '<|im_start|>system\nYou are a terse assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('without a system message: the default Qwen prompt; add_generation_prompt false and true', () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello! How can I help?' },
      { role: 'user', content: [{ type: 'text', text: 'Tell me a joke.' }, { type: 'text', text: 'A short one.' }] },
    ];
    const turns =
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello! How can I help?<|im_end|>\n' +
      '<|im_start|>user\nTell me a joke.\nA short one.<|im_end|>\n';
    expect(render(qwen25, messages, { addGenerationPrompt: false })).toBe(turns);
    expect(render(qwen25, messages, { addGenerationPrompt: true })).toBe(turns + '<|im_start|>assistant\n');
  });

  it('tools with a system message: each tool is tojson of the whole {type, function} object', () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: "What's the weather in Paris?" },
    ];
    expect(render(qwen25, messages, { tools: [weatherTool, timeTool] })).toBe(
      '<|im_start|>system\nYou are a weather bot.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
        'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
        '{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}\n' +
        '{"type": "function", "function": {"name": "get_time", "description": null, "parameters": null}}\n' +
        '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
        '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
        "<|im_start|>user\nWhat's the weather in Paris?<|im_end|>\n<|im_start|>assistant\n",
    );
  });

  it('tools without a system message: the default prompt heads the tools block', () => {
    expect(render(qwen25, [{ role: 'user', content: 'Time?' }], { tools: [timeTool] })).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\n' +
        'You may call one or more functions to assist with the user query.\n\n' +
        'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
        '{"type": "function", "function": {"name": "get_time", "description": null, "parameters": null}}\n' +
        '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
        '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\nTime?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('assistant tool calls print parsed arguments; consecutive tool results share one user turn', () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Paris and Zürich?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [parisCall, { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp": 18}' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '21 degrees' }, { type: 'text', text: 'sunny' }] },
    ];
    expect(render(qwen25, messages)).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nWeather in Paris and Zürich?<|im_end|>\n' +
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>' +
        '\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n{"temp": 18}\n</tool_response>\n<tool_response>\n21 degrees\nsunny\n</tool_response><|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });

  it('assistant text before its call; arguments keep Python float and key order (48.0, 1e-05, "2" last)', () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Where?' },
      {
        role: 'assistant',
        content: 'Looking it up.',
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'locate', arguments: '{"lat": 48.0, "lon": 2.35, "tiny": 1e-5, "n": 7, "2": "second"}' } }],
      },
    ];
    expect(render(qwen25, messages, { addGenerationPrompt: false })).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nWhere?<|im_end|>\n' +
        '<|im_start|>assistant\nLooking it up.\n<tool_call>\n{"name": "locate", "arguments": {"lat": 48.0, "lon": 2.35, "tiny": 1e-05, "n": 7, "2": "second"}}\n</tool_call><|im_end|>\n',
    );
  });
});

describe('Qwen3 template', () => {
  it('no system message and no tools: no system turn at all', () => {
    expect(render(qwen3, [{ role: 'user', content: 'Hi' }])).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  });

  it('enable_thinking: false closes an empty think block after the generation prompt', () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }];
    expect(render(qwen3, messages, { chatTemplateKwargs: { enable_thinking: false } })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
    expect(render(qwen3, messages, { chatTemplateKwargs: { enable_thinking: true } })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('tools with and without a system message', () => {
    const block =
      '# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
      'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
      '{"type": "function", "function": {"name": "get_time", "description": null, "parameters": null}}\n' +
      '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
      '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n';
    expect(render(qwen3, [{ role: 'user', content: 'Time?' }], { tools: [timeTool] })).toBe(
      '<|im_start|>system\n' + block + '<|im_start|>user\nTime?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(render(qwen3, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Time?' }], { tools: [timeTool] })).toBe(
      '<|im_start|>system\nBe brief.\n\n' + block + '<|im_start|>user\nTime?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('keeps reasoning only after the last user query; earlier turns lose theirs (field or inline <think>)', () => {
    const messages = [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4', reasoning_content: 'Simple arithmetic.' },
      { role: 'user', content: 'And 3+3?' },
      { role: 'assistant', content: '<think>\nAdd again.\n</think>\n\n6' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: 'Let me check.', reasoning_content: '\nThe user wants weather.\n', tool_calls: [parisCall] },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ] as ChatCompletionMessageParam[];
    expect(render(qwen3, messages)).toBe(
      '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n' +
        '<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n6<|im_end|>\n' +
        '<|im_start|>user\nWeather in Paris?<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\nThe user wants weather.\n</think>\n\nLet me check.\n' +
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('a final assistant turn without reasoning still gets an empty think block', () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }];
    expect(render(qwen3, messages, { addGenerationPrompt: false })).toBe(
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n',
    );
  });

  it('unicode and escapes in tool arguments print as json.dumps(ensure_ascii=False)', () => {
    const args = JSON.stringify({ city: '東京', note: 'naïve café ☀️', quote: 'say "hi"\n' });
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: '東京の天気は?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_weather', arguments: args } }] },
      { role: 'tool', tool_call_id: 'c', content: '晴れ' },
    ];
    expect(render(qwen3, messages)).toBe(
      '<|im_start|>user\n東京の天気は?<|im_end|>\n' +
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "東京", "note": "naïve café ☀️", "quote": "say \\"hi\\"\\n"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n晴れ\n</tool_response><|im_end|>\n<|im_start|>assistant\n',
    );
  });
});

describe('history as a tool loop sends it back', () => {
  const botched = '{"city": "Paris';
  const history = (args: string): ChatCompletionMessageParam[] => [
    { role: 'developer', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_weather', arguments: args } }] },
    { role: 'tool', tool_call_id: 'c', name: 'get_weather', content: '{"error": "not valid JSON"}' } as ChatCompletionMessageParam,
  ];

  it('a developer message is the system turn', () => {
    const asSystem = history('{}').map((message) => (message.role === 'developer' ? { ...message, role: 'system' as const } : message));
    expect(render(qwen25, history('{}'))).toBe(render(qwen25, asSystem));
    expect(render(qwen25, history('{}'))).toMatch(/^<\|im_start\|>system\nBe brief\.<\|im_end\|>/);
    expect(render(qwen3, history('{}'))).toBe(render(qwen3, asSystem));
  });

  it('arguments the model botched render as the text it wrote: verbatim in Qwen3, a JSON string in Qwen2.5', () => {
    expect(render(qwen3, history(botched))).toContain('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris}\n</tool_call>');
    expect(render(qwen25, history(botched))).toContain('<tool_call>\n{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris"}\n</tool_call>');
    // Empty arguments are {}, as vLLM makes them.
    expect(render(qwen3, history(''))).toContain('{"name": "get_weather", "arguments": {}}');
  });

  it("vLLM's reasoning field reaches the template like reasoning_content", () => {
    const turn = (field: string): ChatCompletionMessageParam[] => [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.', [field]: 'Greet back.' } as ChatCompletionMessageParam,
    ];
    expect(render(qwen3, turn('reasoning'), { addGenerationPrompt: false })).toBe(render(qwen3, turn('reasoning_content'), { addGenerationPrompt: false }));
    expect(render(qwen3, turn('reasoning'), { addGenerationPrompt: false })).toContain('<think>\nGreet back.\n</think>');
  });

  it('documents reach the template', () => {
    const template = new ChatTemplate('{% for d in documents %}[{{ d.title }}: {{ d.text }}]{% endfor %}');
    expect(template.render({ messages: [], addGenerationPrompt: false, documents: [{ title: 'A', text: 'alpha' }] })).toBe('[A: alpha]');
  });
});

describe('tojson is Python json.dumps', () => {
  const json = new ChatTemplate('{{ value | tojson }}|{{ value | tojson(indent=2) }}|{{ text | tojson(ensure_ascii=true) }}');
  const dump = (value: unknown, text = '') => json.render({ messages: [], addGenerationPrompt: false, chatTemplateKwargs: { value, text } });

  it('separators ", " and ": ", Python float repr, non-ASCII kept unless ensure_ascii', () => {
    expect(dump({ a: 0.5, b: 1e-7, c: 1e21, d: 100, e: [true, null], f: 'ü' }, 'ü☀').split('|')[0]).toBe(
      '{"a": 0.5, "b": 1e-07, "c": 1e+21, "d": 100, "e": [true, null], "f": "ü"}',
    );
    expect(dump(0.0001).split('|')[0]).toBe('0.0001');
    expect(dump(0.00001).split('|')[0]).toBe('1e-05');
    expect(dump(123456.789).split('|')[0]).toBe('123456.789');
    expect(dump(null, 'ü☀').split('|')[2]).toBe('"\\u00fc\\u2600"');
  });

  it('indent puts each item on its own line with "," between', () => {
    expect(dump({ a: [1, 2], b: {} }).split('|')[1]).toBe('{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}');
  });
});

describe('template context and errors', () => {
  it('bos_token and eos_token reach the template; an unset one renders empty', () => {
    const tokens = new ChatTemplate('[{{ bos_token }}|{{ eos_token }}]');
    expect(tokens.render({ messages: [], addGenerationPrompt: false, bosToken: '<s>', eosToken: '</s>' })).toBe('[<s>|</s>]');
    expect(tokens.render({ messages: [], addGenerationPrompt: false, eosToken: '</s>' })).toBe('[|</s>]');
  });

  it('a model without a template is refused per request', () => {
    const error = thrown(() => new ChatTemplate(undefined).render({ messages: [{ role: 'user', content: 'Hi' }], addGenerationPrompt: true }));
    expect(isLlmError(error, 'invalid_argument')).toBe(true);
    expect(error).toMatchObject({ message: 'the model has no chat template', subject: 'messages' });
  });

  it("raise_exception becomes invalid_argument with the template's message", () => {
    const strict = new ChatTemplate("{% if messages[0].role != 'user' %}{{ raise_exception('Conversations must start with a user message') }}{% endif %}ok");
    expect(strict.render({ messages: [{ role: 'user', content: 'Hi' }], addGenerationPrompt: false })).toBe('ok');
    const error = thrown(() => strict.render({ messages: [{ role: 'system', content: 'S' }], addGenerationPrompt: false }));
    expect(isLlmError(error, 'invalid_argument')).toBe(true);
    expect(error).toMatchObject({ message: 'Conversations must start with a user message', subject: 'messages' });
  });

  it('a template that fails while rendering is invalid_argument; one that does not parse is invalid_config', () => {
    const error = thrown(() => new ChatTemplate('{{ messages | no_such_filter }}').render({ messages: [], addGenerationPrompt: false }));
    expect(isLlmError(error, 'invalid_argument')).toBe(true);
    expect(error).toMatchObject({ subject: 'messages' });
    expect(isLlmError(thrown(() => new ChatTemplate('{% if %}')), 'invalid_config')).toBe(true);
  });

  it('chat_template_kwargs may not replace messages or tools', () => {
    const error = thrown(() => render(qwen3, [{ role: 'user', content: 'Hi' }], { chatTemplateKwargs: { messages: [] } }));
    expect(error).toMatchObject({ code: 'invalid_argument', subject: 'chat_template_kwargs.messages' });
  });
});
