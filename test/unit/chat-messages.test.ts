/**
 * Request `messages` and `tools` checks: every refusal is invalid_argument naming the exact field,
 * in its subject and at the start of its message; whatever a reply held is accepted back.
 */
import { describe, expect, it } from 'vitest';
import { validateMessages, validateTools } from '../../src/chat/chat-messages.ts';
import { isLlmError } from '../../src/errors.ts';

/** The error `run` throws, checked to be an invalid_argument LlmError. */
function refusal(run: () => unknown): { message: string; subject: string | undefined } {
  try {
    run();
  } catch (error) {
    expect(isLlmError(error, 'invalid_argument')).toBe(true);
    const { message, subject } = error as { message: string; subject: string | undefined };
    // Most clients show only the message: it must say which field.
    expect(message.startsWith(`${subject}: `), message).toBe(true);
    return { message, subject };
  }
  throw new Error('expected an invalid_argument error');
}

const subjectOf = (messages: unknown): string | undefined => refusal(() => validateMessages(messages)).subject;
const call = (id: string, args = '{"city": "Paris"}') => ({ id, type: 'function', function: { name: 'get_weather', arguments: args } });
const user = { role: 'user', content: 'Weather?' };

describe('validateMessages accepts', () => {
  it('OpenAI-shaped conversations, returning the same messages', () => {
    const messages = [
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }], name: 'setup' },
      { role: 'user', content: 'Weather in Paris and Rome?', name: 'ann' },
      { role: 'assistant', content: null, tool_calls: [call('a'), call('b', '{"city": "Rome"}')], reasoning_content: 'Two calls.' },
      { role: 'tool', tool_call_id: 'a', content: 'sunny' },
      { role: 'tool', tool_call_id: 'b', content: [{ type: 'text', text: 'rain' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Sunny, ' }, { type: 'refusal', refusal: 'rain.' }], refusal: null, tool_calls: [] },
    ];
    expect(validateMessages(messages)).toBe(messages);
  });

  it('developer messages, name on every role, and an OpenAI reply pushed back with all its fields', () => {
    const reply = {
      role: 'assistant', content: null, refusal: null, annotations: [], audio: null, function_call: null,
      reasoning_content: 'Look it up.', tool_calls: [call('a')],
    };
    const messages = [
      { role: 'developer', content: 'Answer in French.', name: 'policy' },
      { role: 'user', content: [{ type: 'text', text: 'Weather?', prompt_cache_breakpoint: { type: 'ephemeral' } }], name: 'ann' },
      reply,
      { role: 'tool', tool_call_id: 'a', name: 'get_weather', content: 'sunny' },
      // vLLM's newer name for reasoning, the openai SDK's parse() fields, and vLLM's bare-string parts.
      { role: 'assistant', content: ['Il fait ', 'beau.'], reasoning: 'Done.', parsed: null, name: 'bot' },
    ];
    expect(validateMessages(messages)).toBe(messages);
    const parsedCall = { ...call('b'), function: { ...call('b').function, parsed_arguments: { city: 'Paris' } } };
    expect(validateMessages([user, { role: 'assistant', content: null, tool_calls: [parsedCall] }])).toHaveLength(2);
  });

  it('tool calls whose arguments the model botched, so that a tool loop can go on', () => {
    for (const args of ['{"city": "Paris', '', '[1, 2]', '"text"', 'null', 'not json at all', { city: 'Paris' }]) {
      const messages = [user, { role: 'assistant', content: null, tool_calls: [call('a', args as string)] }, { role: 'tool', tool_call_id: 'a', content: '{"error": "bad JSON"}' }];
      expect(validateMessages(messages)).toBe(messages);
    }
  });

  it('tool calls answered after several assistant turns, as long as no user message came between', () => {
    const messages = [user, { role: 'assistant', content: '', tool_calls: [call('a')] }, { role: 'assistant', content: 'More.', tool_calls: [call('b')] }, { role: 'tool', tool_call_id: 'a', content: 'x' }];
    expect(validateMessages(messages)).toHaveLength(4);
  });
});

describe('validateMessages refuses', () => {
  it('a non-array or empty messages', () => {
    expect(subjectOf({ role: 'user', content: 'Hi' })).toBe('messages');
    expect(subjectOf(undefined)).toBe('messages');
    expect(refusal(() => validateMessages([])).message).toMatch(/must not be empty/);
  });

  it('a message that is not an object', () => {
    expect(subjectOf([user, 'hello'])).toBe('messages[1]');
    expect(subjectOf([null])).toBe('messages[0]');
  });

  it('a missing or unknown role, and the deprecated function role with what to use instead', () => {
    expect(subjectOf([{ content: 'Hi' }])).toBe('messages[0].role');
    const error = refusal(() => validateMessages([{ role: 'moderator', content: 'Hi' }]));
    expect(error.subject).toBe('messages[0].role');
    expect(error.message).toMatch(/"system", "developer", "user", "assistant", "tool".*"moderator"/);
    const legacy = refusal(() => validateMessages([user, { role: 'function', name: 'get_weather', content: 'sunny' }]));
    expect(legacy.subject).toBe('messages[1].role');
    expect(legacy.message).toMatch(/not supported.*role "tool"/);
  });

  it('audio, a legacy function_call and per-message tools when set, saying they are not supported', () => {
    const audio = refusal(() => validateMessages([user, { role: 'assistant', content: 'x', audio: { id: 'audio_1' } }]));
    expect(audio.subject).toBe('messages[1].audio');
    expect(audio.message).toMatch(/not supported/);
    const legacy = refusal(() => validateMessages([user, { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }]));
    expect(legacy.subject).toBe('messages[1].function_call');
    expect(legacy.message).toMatch(/not supported.*tool_calls/);
    expect(subjectOf([{ role: 'developer', content: 'x', tools: [{ type: 'function', function: { name: 'f' } }] }])).toBe('messages[0].tools');
  });

  it('fields a role does not have', () => {
    expect(subjectOf([{ role: 'user', content: 'Hi', tool_calls: [] }])).toBe('messages[0].tool_calls');
    expect(subjectOf([user, { role: 'assistant', content: 'x', tool_call_id: 'a' }])).toBe('messages[1].tool_call_id');
    expect(subjectOf([user, { role: 'assistant', content: 'x', tool_calls: [call('a')] }, { role: 'tool', tool_call_id: 'a', content: 'y', reasoning: 'z' }])).toBe('messages[2].reasoning');
    expect(subjectOf([{ role: 'user', content: 'Hi', temperature: 1 }])).toBe('messages[0].temperature');
  });

  it('bad content types', () => {
    expect(subjectOf([{ role: 'user' }])).toBe('messages[0].content');
    expect(subjectOf([{ role: 'user', content: null }])).toBe('messages[0].content');
    expect(subjectOf([{ role: 'system', content: 42 }])).toBe('messages[0].content');
    expect(subjectOf([{ role: 'user', content: [42] }])).toBe('messages[0].content[0]');
    expect(subjectOf([{ role: 'user', content: [{ type: 'text', text: 7 }] }])).toBe('messages[0].content[0].text');
    expect(subjectOf([{ role: 'user', content: [{ type: 'text', text: 'a', cache: true }] }])).toBe('messages[0].content[0].cache');
    expect(subjectOf([{ role: 'user', content: [{ type: 'refusal', refusal: 'no' }] }])).toBe('messages[0].content[0].type');
    expect(subjectOf([{ role: 'user', content: [{ type: 'video', text: 'a' }] }])).toBe('messages[0].content[0].type');
  });

  it('null or absent content on an assistant message without tool calls', () => {
    expect(subjectOf([user, { role: 'assistant', content: null }])).toBe('messages[1].content');
    expect(subjectOf([user, { role: 'assistant' }])).toBe('messages[1].content');
    expect(subjectOf([user, { role: 'assistant', content: null, tool_calls: [] }])).toBe('messages[1].content');
    expect(subjectOf([{ role: 'tool', tool_call_id: 'a', content: null }])).toBe('messages[0].content');
  });

  it('image and audio parts, saying only text is supported', () => {
    const image = refusal(() => validateMessages([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }]));
    expect(image.subject).toBe('messages[0].content[0]');
    expect(image.message).toMatch(/only text content is supported/);
    expect(subjectOf([{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }])).toBe('messages[0].content[1]');
  });

  it('bad name, refusal and reasoning_content values', () => {
    expect(subjectOf([{ role: 'user', content: 'Hi', name: 3 }])).toBe('messages[0].name');
    expect(subjectOf([user, { role: 'assistant', content: 'x', refusal: 1 }])).toBe('messages[1].refusal');
    expect(subjectOf([user, { role: 'assistant', content: 'x', reasoning_content: ['r'] }])).toBe('messages[1].reasoning_content');
    expect(subjectOf([user, { role: 'assistant', content: 'x', reasoning: 1 }])).toBe('messages[1].reasoning');
    expect(subjectOf([{ role: 'tool', tool_call_id: 'a', content: 'x', name: null }])).toBe('messages[0].name');
  });

  it('malformed tool calls', () => {
    const withCalls = (calls: unknown) => subjectOf([user, { role: 'assistant', content: null, tool_calls: calls }]);
    expect(withCalls({ id: 'a' })).toBe('messages[1].tool_calls');
    expect(withCalls(['a'])).toBe('messages[1].tool_calls[0]');
    expect(withCalls([{ ...call('a'), id: '' }])).toBe('messages[1].tool_calls[0].id');
    expect(withCalls([{ type: 'function', function: call('a').function }])).toBe('messages[1].tool_calls[0].id');
    expect(withCalls([{ ...call('a'), type: 'custom' }])).toBe('messages[1].tool_calls[0].type');
    expect(withCalls([{ ...call('a'), index: 0 }])).toBe('messages[1].tool_calls[0].index');
    expect(withCalls([{ id: 'a', type: 'function' }])).toBe('messages[1].tool_calls[0].function');
    expect(withCalls([call('a'), { id: 'b', type: 'function', function: { arguments: '{}' } }])).toBe('messages[1].tool_calls[1].function.name');
    expect(withCalls([{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}', extra: 1 } }])).toBe('messages[1].tool_calls[0].function.extra');
  });

  it('tool call arguments that are neither text nor an object', () => {
    const args = (value: unknown) => refusal(() => validateMessages([user, { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: value } }] }]));
    for (const value of [undefined, null, 42, ['a']]) {
      expect(args(value).subject).toBe('messages[1].tool_calls[0].function.arguments');
    }
    expect(args(42).message).toMatch(/^messages\[1\]\.tool_calls\[0\]\.function\.arguments: must be a string/);
  });

  it('a tool message without an id or answering no call since the last user message', () => {
    expect(subjectOf([user, { role: 'tool', content: 'x' }])).toBe('messages[1].tool_call_id');
    const unknownId = refusal(() => validateMessages([user, { role: 'assistant', content: null, tool_calls: [call('a')] }, { role: 'tool', tool_call_id: 'b', content: 'x' }]));
    expect(unknownId.subject).toBe('messages[2].tool_call_id');
    expect(unknownId.message).toMatch(/"b" does not match a tool call/);
    // The call was made before the latest user message: answering it now is refused.
    expect(subjectOf([user, { role: 'assistant', content: null, tool_calls: [call('a')] }, user, { role: 'tool', tool_call_id: 'a', content: 'x' }])).toBe('messages[3].tool_call_id');
    expect(subjectOf([{ role: 'tool', tool_call_id: 'a', content: 'x' }])).toBe('messages[0].tool_call_id');
  });
});

describe('validateTools', () => {
  const tool = (fn: Record<string, unknown>) => ({ type: 'function', function: fn });
  const subjectOfTools = (tools: unknown) => refusal(() => validateTools(tools)).subject;

  it('accepts function tools and leaves an omitted list undefined', () => {
    const tools = [tool({ name: 'get_weather', description: 'd', parameters: { type: 'object' }, strict: true }), tool({ name: 'get-time_2' })];
    expect(validateTools(tools)).toBe(tools);
    expect(validateTools(undefined)).toBeUndefined();
    expect(validateTools(null)).toBeUndefined();
  });

  it('refuses an empty list, telling the caller to omit it', () => {
    const error = refusal(() => validateTools([]));
    expect(error.subject).toBe('tools');
    expect(error.message).toBe('tools: must not be empty; omit it instead');
  });

  it('refuses malformed lists and entries', () => {
    expect(subjectOfTools({ type: 'function' })).toBe('tools');
    expect(subjectOfTools([3])).toBe('tools[0]');
    const custom = refusal(() => validateTools([{ type: 'custom', custom: { name: 'x' } }]));
    expect(custom.subject).toBe('tools[0].type');
    expect(custom.message).toMatch(/custom .*not supported/);
    expect(subjectOfTools([{ type: 'retrieval' }])).toBe('tools[0].type');
    expect(subjectOfTools([{ ...tool({ name: 'a' }), run: 'x' }])).toBe('tools[0].run');
    expect(subjectOfTools([{ type: 'function' }])).toBe('tools[0].function');
    expect(subjectOfTools([tool({ name: 'a', examples: [] })])).toBe('tools[0].function.examples');
  });

  it('refuses bad or duplicate names', () => {
    for (const name of [undefined, '', 'has space', 'dot.name', 'x'.repeat(65), 5]) {
      expect(subjectOfTools([tool({ name })])).toBe('tools[0].function.name');
    }
    expect(validateTools([tool({ name: 'x'.repeat(64) })])).toHaveLength(1);
    const duplicate = refusal(() => validateTools([tool({ name: 'a' }), tool({ name: 'b' }), tool({ name: 'a' })]));
    expect(duplicate.subject).toBe('tools[2].function.name');
    expect(duplicate.message).toMatch(/unique/);
  });

  it('refuses a non-string description, non-object parameters and non-boolean strict', () => {
    expect(subjectOfTools([tool({ name: 'a', description: 1 })])).toBe('tools[0].function.description');
    for (const parameters of [null, [], 'object']) {
      expect(subjectOfTools([tool({ name: 'a', parameters })])).toBe('tools[0].function.parameters');
    }
    expect(subjectOfTools([tool({ name: 'a', strict: 'yes' })])).toBe('tools[0].function.strict');
  });
});
