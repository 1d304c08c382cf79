/**
 * The chat request contract on a random-weight fixture (qwen2-bf16), in-process: streamed requests
 * that will be refused are an HTTP 400 with OpenAI's error body from engine.fetch (and a rejected
 * create), never a 200 and an error event; a reply — even one with a botched tool call — goes back
 * as history with developer messages and named tool messages; runTools answers a botched call with
 * an error result and carries on; vLLM's min_tokens, continue_final_message with echo,
 * include_stop_str_in_output, truncate_prompt_tokens, request_id and continuous usage do what vLLM's do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import type {
  ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam,
} from '../../src/chat/chat-types.ts';
import type { ToolRunEvent } from '../../src/tools/tool-runner.ts';
import { collectStream } from '../support/chat-stream.ts';

const fixture = new URL('../fixtures/qwen2-bf16/', import.meta.url).pathname;
let engine: LlmEngine;

beforeAll(async () => {
  engine = await createEngine({ model: fixture, worker: false, maxModelLen: 512 });
});
afterAll(async () => engine?.dispose());

const eosIds = [656, 658]; // the fixture's generation_config eos_token_id
const hello: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hello there, how are you?' }];
const greedy = (extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}): ChatCompletionCreateParamsNonStreaming =>
  ({ model: 'fixture', messages: hello, temperature: 0, max_tokens: 8, ...extra });
const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const weatherTool = { type: 'function' as const, function: { name: 'get_weather', parameters: weatherSchema } };

const post = (body: unknown) => engine.fetch('http://localhost/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('streamed refusals come before the first byte', () => {
  it.each([
    ['a prompt longer than the context', { messages: [{ role: 'user', content: 'word '.repeat(600) }], max_tokens: undefined }, 'messages', 'context_length_exceeded'],
    ['a bad temperature', { temperature: 3 }, 'temperature', 'invalid_argument'],
    ['n: 2 with an out-of-vocabulary stop_token_id', { n: 2, stop_token_ids: [999_999] }, 'stop_token_ids', 'invalid_argument'],
    ['a schema XGrammar rejects', { response_format: { type: 'json_schema', json_schema: { name: 'bad', schema: { type: 'no-such-type' } } } }, 'response_format', 'invalid_argument'],
    ['an out-of-vocabulary logit_bias id', { logit_bias: { 999999: 5 } }, 'logit_bias', 'invalid_argument'],
    ['max_tokens past the context', { max_tokens: 600 }, 'max_tokens', 'context_length_exceeded'],
  ])('%s: HTTP 400 with the OpenAI error body, and create rejects', async (_name, extra, param, code) => {
    const request = { ...greedy(), ...extra, stream: true } as ChatCompletionCreateParams;
    const response = await post(request);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await response.json() as { error: { message: string; type: string; param: string; code: string } };
    expect(body).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param, code } });
    // The message itself names the field: most clients show only the message.
    expect(body.error.message.startsWith(`${param}: `), body.error.message).toBe(true);
    await expect(engine.chat.completions.create(request)).rejects.toMatchObject({ code, subject: param });
    const stats = await engine.stats();
    expect(stats.blocksFree).toBe(stats.blocksTotal);
    expect(stats.running + stats.waiting).toBe(0);
  });

  it('n: 3 with the largest seed: every choice gets a valid seed of its own', async () => {
    const reply = await engine.chat.completions.create(greedy({ n: 3, seed: Number.MAX_SAFE_INTEGER, temperature: 1, max_tokens: 4 }));
    expect(reply.choices).toHaveLength(3);
  });

  it('a prompt too long names messages in its text, as OpenAI does', async () => {
    const body = await (await post({ ...greedy(), max_tokens: undefined, messages: [{ role: 'user', content: 'word '.repeat(600) }], stream: true })).json() as { error: { message: string } };
    expect(body.error.message).toMatch(/^messages: this model's maximum context length is 512 tokens, and the messages take \d+/);
  });
});

describe('history round-trips', () => {
  it('a reply with a botched tool call goes back with a developer message and a named tool message', async () => {
    // A named tool cut off after three tokens: arguments that are not JSON, as a model can write them.
    const reply = await engine.chat.completions.create(greedy({ tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } }, max_tokens: 3 }));
    const message = reply.choices[0]!.message;
    const call = message.tool_calls![0]! as { id: string; function: { arguments: string } };
    expect(() => JSON.parse(call.function.arguments)).toThrow();
    const messages: ChatCompletionMessageParam[] = [
      { role: 'developer', content: 'Answer briefly.' },
      ...hello,
      // Pushed back unchanged, with the fields OpenAI's replies carry too.
      { ...message, annotations: [], audio: null, function_call: null } as ChatCompletionMessageParam,
      { role: 'tool', tool_call_id: call.id, name: 'get_weather', content: '{"error": "the arguments are not valid JSON"}' } as ChatCompletionMessageParam,
    ];
    const next = await engine.chat.completions.create(greedy({ messages, tools: [weatherTool] }));
    expect(next.choices[0]!.finish_reason).toMatch(/^(stop|length|tool_calls)$/);
    // The developer message is the system turn: the same prompt as with role system.
    const asSystem = messages.map((m) => (m.role === 'developer' ? { ...m, role: 'system' as const } : m));
    const same = await engine.chat.completions.create(greedy({ messages: asSystem, tools: [weatherTool] }));
    expect(same.usage!.prompt_tokens).toBe(next.usage!.prompt_tokens);
    expect(same.choices[0]!.message.content).toBe(next.choices[0]!.message.content);
  });

  it('runTools answers unterminated JSON arguments with an error result and a second round, without throwing', async () => {
    let ran = 0;
    const run = engine.runTools({
      ...greedy({ max_tokens: 3 }),
      tool_choice: { type: 'function', function: { name: 'get_weather' } }, // forced in round 1 only
      maxRounds: 3,
      tools: [{ ...weatherTool, run: () => { ran++; return 'sunny'; } }],
    });
    const results: Extract<ToolRunEvent, { type: 'tool_result' }>[] = [];
    run.on('tool_result', (event) => results.push(event));
    const result = await run.done();
    expect(ran).toBe(0);
    expect(results[0]).toMatchObject({ ok: false, name: 'get_weather' });
    expect(results[0]!.error).toMatch(/not valid JSON/);
    expect(result.rounds).toBeGreaterThanOrEqual(2);
    // The botched call stays in the history exactly as the model wrote it.
    const firstCall = (result.completions[0]!.choices[0]!.message.tool_calls![0]! as { function: { arguments: string } }).function.arguments;
    const kept = result.messages.find((m) => m.role === 'assistant') as { tool_calls: { function: { arguments: string } }[] };
    expect(kept.tool_calls[0]!.function.arguments).toBe(firstCall);
    expect(result.messages.find((m) => m.role === 'tool')!.content).toMatch(/not valid JSON/);
  });
});

describe("OpenAI's allowed_tools", () => {
  it('tool_choice allowed_tools (required): the call is to an allowed tool, the only one shown', async () => {
    const timeTool = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {}, additionalProperties: false } } };
    const tool_choice = { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'get_time' } }] } };
    const request = { ...greedy({ tools: [weatherTool, timeTool], max_tokens: 40, parallel_tool_calls: false }), tool_choice } as unknown as ChatCompletionCreateParamsNonStreaming;
    const reply = await engine.chat.completions.create(request);
    expect(reply.choices[0]!.finish_reason).toBe('tool_calls');
    const names = reply.choices[0]!.message.tool_calls!.map((call) => (call as { function: { name: string } }).function.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual(['get_time']);
    // Only the allowed tool is in the prompt.
    const all = await engine.chat.completions.create({ ...request, tool_choice: 'required' });
    expect(reply.usage!.prompt_tokens).toBeLessThan(all.usage!.prompt_tokens);
  });
});

describe("vLLM's extra fields", () => {
  it('min_tokens holds off EOS even when a bias makes it the argmax', async () => {
    const logit_bias = Object.fromEntries(eosIds.map((id) => [id, 100]));
    const free = await engine.chat.completions.create(greedy({ logit_bias, max_tokens: 20 }));
    expect(free.usage!.completion_tokens).toBe(1);
    const held = await engine.chat.completions.create({ ...greedy({ logit_bias, max_tokens: 20 }), min_tokens: 5 } as ChatCompletionCreateParamsNonStreaming);
    expect(held.usage!.completion_tokens).toBe(6);
    expect(held.choices[0]!.finish_reason).toBe('stop');
  });

  it('continue_final_message with echo: the reply continues, and starts with, the final message', async () => {
    const prefill: ChatCompletionMessageParam[] = [...hello, { role: 'assistant', content: 'I am fine, and' }];
    const reply = await engine.chat.completions.create({ ...greedy({ messages: prefill, max_tokens: 4 }), continue_final_message: true, add_generation_prompt: false, echo: true } as ChatCompletionCreateParamsNonStreaming);
    expect(reply.choices[0]!.message.content!.startsWith('I am fine, and')).toBe(true);
    // The open message ends the prompt: it is not closed by <|im_end|>.
    const closed = await engine.chat.completions.create({ ...greedy({ messages: prefill, max_tokens: 1 }), add_generation_prompt: false } as ChatCompletionCreateParamsNonStreaming);
    expect(reply.usage!.prompt_tokens).toBeLessThan(closed.usage!.prompt_tokens);
    const streamed = await collectStream(await engine.chat.completions.create({ ...greedy({ messages: prefill, max_tokens: 4 }), continue_final_message: true, echo: true, stream: true } as ChatCompletionCreateParamsStreaming));
    expect(streamed.choices[0]!.content).toBe(reply.choices[0]!.message.content);
  });

  it('include_stop_str_in_output keeps the stop string; truncate_prompt_tokens keeps the last tokens; request_id names the reply', async () => {
    const plain = (await engine.chat.completions.create(greedy({ max_tokens: 16, ignore_eos: true } as never))).choices[0]!.message.content!;
    const stop = plain.slice(4, 7);
    const cut = plain.indexOf(stop);
    const kept = await engine.chat.completions.create({ ...greedy({ max_tokens: 16, stop: [stop] }), ignore_eos: true, include_stop_str_in_output: true } as ChatCompletionCreateParamsNonStreaming);
    expect(kept.choices[0]!.message.content).toBe(plain.slice(0, cut + stop.length));
    const truncated = await engine.chat.completions.create({ ...greedy({ max_tokens: 1 }), truncate_prompt_tokens: 5, request_id: 'my-request' } as ChatCompletionCreateParamsNonStreaming);
    expect(truncated.usage!.prompt_tokens).toBe(5);
    expect(truncated.id).toBe('chatcmpl-my-request');
  });

  it('stream_options.continuous_usage_stats puts usage on every chunk', async () => {
    const stream = await engine.chat.completions.create({ ...greedy({ max_tokens: 5 }), ignore_eos: true, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } } as ChatCompletionCreateParamsStreaming);
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.usage !== undefined)).toBe(true);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(5);
    expect(chunks[0]!.usage!.completion_tokens).toBe(0);
  });
});
