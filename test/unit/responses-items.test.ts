/**
 * Responses items ↔ chat messages, and a Responses request's fields → a chat request: the
 * mapping vLLM applies (function_call → assistant tool_calls, function_call_output → tool
 * message, reasoning → reasoning_content, one assistant turn per reasoning/message/calls run),
 * the conversation check on call ids, and the refusals that name the field at fault.
 */
import { describe, expect, it } from 'vitest';
import { continuesFinalMessage, inputItems, itemsToMessages } from '../../src/api/responses/response-items.ts';
import { chatRequest, checkResponsesFields } from '../../src/api/responses/responses-request.ts';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as { code: string; subject: string; message: string };
  }
  throw new Error('expected a refusal');
};

describe('input items to chat messages', () => {
  it('a string input is one user message', () => {
    expect(itemsToMessages(inputItems('Hello'))).toEqual([{ role: 'user', content: 'Hello' }]);
  });

  it('maps messages with and without type, text parts, developer and assistant output_text', () => {
    const messages = itemsToMessages(inputItems([
      { role: 'developer', content: 'Be brief.' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi ' }, { type: 'input_text', text: 'there' }] },
      { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello!', annotations: [] }] },
    ]));
    expect(messages).toEqual([
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] },
      { role: 'assistant', content: 'Hello!' },
    ]);
  });

  it('folds one turn of reasoning, text and calls into one assistant message, then tool messages', () => {
    const messages = itemsToMessages(inputItems([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Two cities.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
      { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
      { type: 'function_call', call_id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
      { type: 'function_call_output', call_id: 'call_a', output: '{"t":20}' },
      { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: '{"t":' }, { type: 'input_text', text: '25}' }] },
      { type: 'reasoning', id: 'rs_2', summary: [{ type: 'summary_text', text: 'Summarise.' }] },
      { type: 'message', role: 'assistant', content: 'Paris 20, Rome 25.' },
    ]));
    expect(messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant', reasoning_content: 'Two cities.', content: 'Checking.',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '{"t":20}' },
      { role: 'tool', tool_call_id: 'call_b', content: '{"t":25}' },
      { role: 'assistant', reasoning_content: 'Summarise.', content: 'Paris 20, Rome 25.' },
    ]);
  });

  it('a turn of reasoning alone gets empty content; text after calls is a new assistant message', () => {
    expect(itemsToMessages(inputItems([
      { role: 'user', content: 'x' },
      { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'hm' }] },
    ]))).toEqual([{ role: 'user', content: 'x' }, { role: 'assistant', reasoning_content: 'hm', content: '' }]);
    const messages = itemsToMessages(inputItems([
      { role: 'user', content: 'x' },
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
      { role: 'assistant', content: 'after' },
    ]));
    expect(messages.slice(1)).toEqual([{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'assistant', content: 'after' }]);
  });

  it('refuses by path: media parts, built-in tool items, item references, encrypted reasoning, stray outputs', () => {
    const map = (items: unknown[]) => () => itemsToMessages(inputItems(items));
    expect(refusal(map([{ role: 'user', content: [{ type: 'input_image', image_url: 'x' }] }]))).toMatchObject({ code: 'invalid_argument', subject: 'input[0].content[0].type' });
    expect(refusal(map([{ role: 'user', content: 'x' }, { type: 'web_search_call', id: 'w' }]))).toMatchObject({ subject: 'input[1].type' });
    expect(refusal(map([{ type: 'item_reference', id: 'msg_1' }])).message).toContain('previous_response_id');
    expect(refusal(map([{ type: 'reasoning', summary: [], encrypted_content: 'abc' }]))).toMatchObject({ subject: 'input[0].encrypted_content' });
    expect(refusal(map([{ role: 'user', content: 'x' }, { type: 'function_call_output', call_id: 'nope', output: 'r' }]))).toMatchObject({ subject: 'input[1].call_id' });
    expect(refusal(map([{ type: 'function_call', call_id: '', name: 'f', arguments: '{}' }]))).toMatchObject({ subject: 'input[0].call_id' });
    expect(refusal(map([{ role: 'tool', content: 'x' }]))).toMatchObject({ subject: 'input[0].role' });
    expect(refusal(() => inputItems(42))).toMatchObject({ subject: 'input' });
  });

  it('an assistant message left in progress or incomplete is continued, as vLLM does', () => {
    expect(continuesFinalMessage(inputItems([{ role: 'user', content: 'x' }, { type: 'message', role: 'assistant', status: 'incomplete', content: 'Once' }]))).toBe(true);
    expect(continuesFinalMessage(inputItems([{ role: 'user', content: 'x' }, { type: 'message', role: 'assistant', status: 'completed', content: 'Once' }]))).toBe(false);
    expect(continuesFinalMessage(inputItems('x'))).toBe(false);
  });
});

describe('Responses request fields to a chat request', () => {
  it('maps tools, tool_choice, text.format, limits, reasoning effort and passes vLLM sampling extras through', () => {
    const params = {
      model: 'm', input: 'x', max_output_tokens: 7, temperature: 0, top_p: 0.9, parallel_tool_calls: false, top_k: 5, seed: 3,
      tools: [{ type: 'function', name: 'get_weather', description: 'd', parameters: { type: 'object' }, strict: null }],
      tool_choice: { type: 'function', name: 'get_weather' },
      text: { format: { type: 'json_schema', name: 'r', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low', summary: 'auto' },
      metadata: { k: 'v' }, store: false, user: 'u', service_tier: 'auto',
    };
    checkResponsesFields(params);
    expect(chatRequest(params, [{ role: 'user', content: 'x' }], false)).toEqual({
      model: 'm', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 7, temperature: 0, top_p: 0.9,
      parallel_tool_calls: false, user: 'u', top_k: 5, seed: 3,
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'd', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
    });
    expect(chatRequest({ text: { format: { type: 'json_object' } } }, [], false)['response_format']).toEqual({ type: 'json_object' });
    expect(chatRequest({ text: { format: { type: 'text' } }, tool_choice: 'required' }, [], true)).toEqual({
      messages: [], tool_choice: 'required', continue_final_message: true, add_generation_prompt: false,
    });
  });

  it('refuses what needs OpenAI\'s platform, built-in tools and unknown fields, naming each', () => {
    expect(refusal(() => checkResponsesFields({ input: 'x', background: true }))).toMatchObject({ code: 'invalid_argument', subject: 'background' });
    expect(refusal(() => checkResponsesFields({ input: 'x', conversation: 'conv_1' }))).toMatchObject({ subject: 'conversation' });
    expect(refusal(() => checkResponsesFields({ input: 'x', prompt: { id: 'p' } }))).toMatchObject({ subject: 'prompt' });
    expect(refusal(() => checkResponsesFields({ input: 'x', include: ['message.output_text.logprobs', 'file_search_call.results'] }))).toMatchObject({ subject: 'include[1]' });
    expect(refusal(() => checkResponsesFields({ input: 'x', temprature: 0 })).message).toContain('Responses request');
    expect(refusal(() => chatRequest({ tools: [{ type: 'web_search' }] }, [], false))).toMatchObject({ subject: 'tools[0].type' });
    expect(refusal(() => chatRequest({ tools: [{ type: 'function', name: 'f', function: {} }] }, [], false))).toMatchObject({ subject: 'tools[0].function' });
    expect(refusal(() => chatRequest({ tool_choice: { type: 'file_search' } }, [], false))).toMatchObject({ subject: 'tool_choice.type' });
    expect(refusal(() => chatRequest({ text: { format: { type: 'grammar' } } }, [], false))).toMatchObject({ subject: 'text.format.type' });
    expect(refusal(() => chatRequest({ text: { format: { type: 'json_object' } }, structured_outputs: { json_object: true } }, [], false))).toMatchObject({ subject: 'text.format' });
    // Off values of refused fields pass, as OpenAI's SDKs send them.
    checkResponsesFields({ input: 'x', background: false, include: [], max_tool_calls: null, prompt: null });
  });
});
