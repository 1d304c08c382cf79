/**
 * runTools against a scripted ChatApi: what the tools receive, what the model gets back in the
 * next request (tool messages, in call order, with their tool_call_id), error results for unknown
 * tools, bad arguments, throwing and hanging tools, the round limit, streaming deltas, the event
 * order, abort, and the checks on the runner's own input.
 */
import { describe, expect, it, vi } from 'vitest';
import { validateMessages } from '../../src/chat/chat-messages.ts';
import type { ChatCompletion, ChatCompletionCreateParams, ChatCompletionMessageParam } from '../../src/chat/chat-types.ts';
import { runTools, type RunnableTool, type ToolRunEvent } from '../../src/tools/tool-runner.ts';
import { isLlmError } from '../../src/errors.ts';
import { chunksOf, completion, hangUntilAborted, ScriptedChatApi } from '../support/scripted-chat-api.ts';

const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
  required: ['city'],
  additionalProperties: false,
};

function weatherTool(run: RunnableTool['run'], extra: Partial<RunnableTool> = {}): RunnableTool {
  return { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weatherSchema }, run, ...extra };
}

const user: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];

/** The tool messages of the request the runner sent in round `round` (1-based). */
function toolMessages(api: ScriptedChatApi, round: number) {
  return api.requests[round - 1]!.params.messages.filter((message) => message.role === 'tool') as { tool_call_id: string; content: string }[];
}

function recordEvents(run: ReturnType<typeof runTools>): ToolRunEvent[] {
  const events: ToolRunEvent[] = [];
  for (const type of ['content', 'reasoning', 'tool_call', 'tool_result', 'message', 'completion'] as const) {
    run.on(type, (event) => events.push(event));
  }
  return events;
}

describe('runTools', () => {
  it('runs a tool with its parsed arguments and sends the result back as a tool message', async () => {
    const first = completion({ toolCalls: [{ id: 'call-1', name: 'get_weather', arguments: { city: 'Paris', unit: 'c' } }] });
    const api = new ScriptedChatApi([first, completion({ content: 'It is 21 °C in Paris.' })]);
    const run = vi.fn(async (args: { city: string }) => ({ city: args.city, celsius: 21 }));
    const result = await runTools(api, { model: 'm', messages: user, tools: [weatherTool(run)], maxRounds: 5, toolTimeoutMs: 1000 }).done();

    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0]![0]).toEqual({ city: 'Paris', unit: 'c' });
    expect(api.requests).toHaveLength(2);
    // The model sees the tool without `run`, and the runner's own options are not request fields.
    const sent = api.requests[0]!.params as unknown as Record<string, unknown>;
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weatherSchema } }]);
    expect(sent).not.toHaveProperty('maxRounds');
    expect(sent).not.toHaveProperty('toolTimeoutMs');
    expect(api.requests[1]!.params.messages).toEqual([
      ...user,
      { role: 'assistant', content: null, tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } }] },
      { role: 'tool', tool_call_id: 'call-1', content: '{"city":"Paris","celsius":21}' },
    ]);
    expect(result.finalContent).toBe('It is 21 °C in Paris.');
    expect(result.rounds).toBe(2);
    expect(result.hitRoundLimit).toBe(false);
    expect(result.completions).toHaveLength(2);
    expect(result.messages.at(-1)).toEqual({ role: 'assistant', content: 'It is 21 °C in Paris.' });
  });

  it('does not run a tool whose arguments break its schema or are not JSON, and tells the model why', async () => {
    const api = new ScriptedChatApi([
      completion({ toolCalls: [{ id: 'a', name: 'get_weather', arguments: { town: 'Paris' } }, { id: 'b', name: 'get_weather', arguments: '{"city": "Par' }] }),
      completion({ content: 'Sorry.' }),
    ]);
    const run = vi.fn((_args: unknown) => 'sunny');
    const results: ToolRunEvent[] = [];
    const toolRun = runTools(api, { model: 'm', messages: user, tools: [weatherTool(run)] });
    toolRun.on('tool_result', (event) => results.push(event));
    await toolRun.done();
    expect(run).not.toHaveBeenCalled();
    const [schemaError, jsonError] = toolMessages(api, 2);
    expect(schemaError!.tool_call_id).toBe('a');
    expect(JSON.parse(schemaError!.content).error).toMatch(/invalid arguments for tool 'get_weather'.*city/);
    expect(schemaError!.content).toMatch(/additional properties/);
    expect(jsonError!.tool_call_id).toBe('b');
    expect(JSON.parse(jsonError!.content).error).toMatch(/not valid JSON/);
    expect(results.map((event) => event.type === 'tool_result' && event.ok)).toEqual([false, false]);
  });

  it('answers unterminated JSON arguments with an error result and a second round the chat layer accepts, streamed or not', async () => {
    for (const stream of [false, true]) {
      const botched = '{"city": "Paris';
      // Each request goes through the chat layer's own message checks, as the engine's would.
      const checked = (reply: ChatCompletion) => async (params: ChatCompletionCreateParams) => {
        validateMessages(params.messages);
        return params.stream === true ? (async function* () { yield* chunksOf(reply); })() : reply;
      };
      const api = new ScriptedChatApi([
        checked(completion({ toolCalls: [{ id: 'w1', name: 'get_weather', arguments: botched }] })),
        checked(completion({ content: 'Which city did you mean?' })),
      ]);
      const run = vi.fn((_args: unknown) => 'sunny');
      const results: ToolRunEvent[] = [];
      const toolRun = runTools(api, { model: 'm', messages: user, tools: [weatherTool(run)], stream });
      toolRun.on('tool_result', (event) => results.push(event));
      const result = await toolRun.done();
      expect(run).not.toHaveBeenCalled();
      expect(result.rounds).toBe(2);
      expect(result.finalContent).toBe('Which city did you mean?');
      expect(results).toEqual([expect.objectContaining({ type: 'tool_result', callId: 'w1', ok: false, error: expect.stringMatching(/not valid JSON/) })]);
      // The second request carries the call exactly as the model wrote it, then the error for the model to read.
      expect(api.requests[1]!.params.messages.slice(1)).toEqual([
        { role: 'assistant', content: null, tool_calls: [{ id: 'w1', type: 'function', function: { name: 'get_weather', arguments: botched } }] },
        { role: 'tool', tool_call_id: 'w1', content: expect.stringMatching(/^\{"error":"the arguments of tool 'get_weather' are not valid JSON/) },
      ]);
    }
  });

  it('reports an unknown tool to the model without running anything', async () => {
    const api = new ScriptedChatApi([completion({ toolCalls: [{ id: 'x', name: 'delete_everything', arguments: {} }] }), completion({ content: 'ok' })]);
    const run = vi.fn((_args: unknown) => 'sunny');
    const results: ToolRunEvent[] = [];
    const toolRun = runTools(api, { model: 'm', messages: user, tools: [weatherTool(run)] });
    toolRun.on('tool_result', (event) => results.push(event));
    await toolRun.done();
    expect(run).not.toHaveBeenCalled();
    const [message] = toolMessages(api, 2);
    expect(message!.tool_call_id).toBe('x');
    expect(JSON.parse(message!.content)).toEqual({ error: "tool 'delete_everything' does not exist; available tools: get_weather" });
    expect(results[0]).toMatchObject({ type: 'tool_result', name: 'delete_everything', ok: false, error: expect.stringMatching(/does not exist/) });
  });

  it('turns a thrown error and a timeout into error results and keeps going', async () => {
    const api = new ScriptedChatApi([
      completion({ toolCalls: [{ id: 't1', name: 'sync_fail', arguments: {} }, { id: 't2', name: 'async_fail', arguments: {} }, { id: 't3', name: 'slow', arguments: {} }] }),
      completion({ content: 'Done anyway.' }),
    ]);
    let slowSignal: AbortSignal | undefined;
    const tools: RunnableTool[] = [
      { type: 'function', function: { name: 'sync_fail' }, run: () => { throw new Error('disk full'); } },
      { type: 'function', function: { name: 'async_fail' }, run: async () => { throw new Error('network down'); } },
      {
        type: 'function',
        function: { name: 'slow' },
        timeoutMs: 20,
        run: (_args, { signal }) => { slowSignal = signal; return new Promise(() => {}); },
      },
    ];
    const started = performance.now();
    const result = await runTools(api, { model: 'm', messages: user, tools, toolTimeoutMs: 60_000 }).done();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(toolMessages(api, 2)).toEqual([
      { role: 'tool', tool_call_id: 't1', content: '{"error":"disk full"}' },
      { role: 'tool', tool_call_id: 't2', content: '{"error":"network down"}' },
      { role: 'tool', tool_call_id: 't3', content: JSON.stringify({ error: "tool 'slow' timed out after 20 ms" }) },
    ]);
    expect(slowSignal?.aborted).toBe(true);
    expect((slowSignal?.reason as Error).name).toBe('TimeoutError');
    expect(result.finalContent).toBe('Done anyway.');
  });

  it('answers two calls of one reply with two tool messages in call order', async () => {
    const api = new ScriptedChatApi([
      completion({ content: 'Checking both.', toolCalls: [{ id: 'p', name: 'get_weather', arguments: { city: 'Paris' } }, { id: 'l', name: 'get_weather', arguments: { city: 'Lyon' } }] }),
      completion({ content: 'Paris 21, Lyon 25.' }),
    ]);
    const order: string[] = [];
    const run = async (args: { city: string }, context: { callId: string }) => {
      order.push(`${context.callId}:${args.city}`);
      // The first call finishing later must not reorder the messages.
      await new Promise((resolve) => setTimeout(resolve, args.city === 'Paris' ? 15 : 0));
      return `${args.city} ok`;
    };
    await runTools(api, { model: 'm', messages: user, tools: [weatherTool(run)] }).done();
    expect(order).toEqual(['p:Paris', 'l:Lyon']);
    const messages = api.requests[1]!.params.messages;
    expect(messages[1]).toMatchObject({ role: 'assistant', content: 'Checking both.', tool_calls: [{ id: 'p' }, { id: 'l' }] });
    expect(messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'p', content: 'Paris ok' },
      { role: 'tool', tool_call_id: 'l', content: 'Lyon ok' },
    ]);
  });

  it('turns return values into content: strings as they are, objects as JSON, undefined as empty', async () => {
    const values: unknown[] = ['plain text', [1, { a: null }], undefined, 42];
    const api = new ScriptedChatApi([
      completion({ toolCalls: values.map((_, i) => ({ id: `v${i}`, name: 'value', arguments: { i } })) }),
      completion({ content: 'fine' }),
    ]);
    const tool: RunnableTool = { type: 'function', function: { name: 'value' }, run: (args: { i: number }) => values[args.i] };
    await runTools(api, { model: 'm', messages: user, tools: [tool] }).done();
    expect(toolMessages(api, 2).map((message) => message.content)).toEqual(['plain text', '[1,{"a":null}]', '', '42']);
  });

  it('stops at maxRounds and says so', async () => {
    const ask = () => completion({ content: 'again', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    const api = new ScriptedChatApi([ask(), ask(), ask(), ask()]);
    const run = vi.fn((_args: unknown) => 'sunny');
    const result = await runTools(api, { model: 'm', messages: user, tools: [weatherTool(run)], maxRounds: 3 }).done();
    expect(result.hitRoundLimit).toBe(true);
    expect(result.rounds).toBe(3);
    expect(api.requests).toHaveLength(3);
    expect(run).toHaveBeenCalledTimes(3);
    expect(result.messages.at(-1)).toMatchObject({ role: 'tool' }); // the last calls were answered
    expect(result.finalContent).toBe('again');
  });

  it('streams content and reasoning deltas that concatenate to the final reply', async () => {
    const api = new ScriptedChatApi([
      completion({ reasoning: 'Need the weather.', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Paris', unit: 'c' } }] }),
      completion({ reasoning: 'Now answer.', content: 'It is sunny in Paris today.' }),
    ]);
    const run = vi.fn((_args: unknown) => 'sunny');
    const toolRun = runTools(api, { model: 'm', messages: user, tools: [weatherTool(run)], stream: true });
    const events = recordEvents(toolRun);
    const result = await toolRun.done();
    expect(api.requests.every((request) => request.params.stream === true)).toBe(true);
    const content = events.flatMap((event) => (event.type === 'content' ? [event.delta] : []));
    const reasoning = events.flatMap((event) => (event.type === 'reasoning' ? [event.delta] : []));
    expect(content.length).toBeGreaterThan(3);
    expect(content.join('')).toBe(result.finalContent);
    expect(result.finalContent).toBe('It is sunny in Paris today.');
    expect(reasoning.join('')).toBe('Need the weather.Now answer.');
    // Tool calls were reassembled from argument fragments before running.
    expect(run.mock.calls[0]![0]).toEqual({ city: 'Paris', unit: 'c' });
    const rebuilt = result.completions[0]!.choices[0]!;
    expect(rebuilt.finish_reason).toBe('tool_calls');
    expect(rebuilt.message).toMatchObject({ content: null, reasoning_content: 'Need the weather.' });
    expect(rebuilt.message.tool_calls).toEqual([{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } }]);
  });

  it('emits events in order: deltas, completion, assistant message, call, result, tool message', async () => {
    const api = new ScriptedChatApi([
      completion({ content: 'Let me look.', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }] }),
      completion({ content: 'Sunny.' }),
    ]);
    const toolRun = runTools(api, { model: 'm', messages: user, tools: [weatherTool(() => 'sunny')] });
    const events = recordEvents(toolRun);
    await toolRun.done();
    expect(events.map((event) => event.type)).toEqual([
      'content', 'completion', 'message', 'tool_call', 'tool_result', 'message',
      'content', 'completion', 'message',
    ]);
    expect(events[3]).toEqual({ type: 'tool_call', round: 1, call: { id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(events[4]).toMatchObject({ type: 'tool_result', round: 1, callId: 'c1', name: 'get_weather', content: 'sunny', ok: true });
    expect(events[4]).not.toHaveProperty('error');
    expect((events[4] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    expect(events[5]).toEqual({ type: 'message', message: { role: 'tool', tool_call_id: 'c1', content: 'sunny' } });
  });

  it('keeps going when a listener throws, and unsubscribes', async () => {
    const api = new ScriptedChatApi([completion({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }), completion({ content: 'Sunny.' })]);
    const toolRun = runTools(api, { model: 'm', messages: user, tools: [weatherTool(() => 'sunny')] });
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    toolRun.on('tool_call', () => { throw new Error('UI bug'); });
    const seen: string[] = [];
    const off = toolRun.on('completion', (event) => { seen.push(event.completion.id); off(); });
    const result = await toolRun.done();
    expect(error).toHaveBeenCalledWith("tool runner: a 'tool_call' listener threw", expect.any(Error));
    error.mockRestore();
    expect(result.finalContent).toBe('Sunny.');
    expect(seen).toHaveLength(1);
  });

  it('forces a tool_choice in the first round only', async () => {
    const api = new ScriptedChatApi([completion({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }), completion({ content: 'Sunny.' })]);
    const toolChoice = { type: 'function' as const, function: { name: 'get_weather' } };
    await runTools(api, { model: 'm', messages: user, tools: [weatherTool(() => 'sunny')], tool_choice: toolChoice }).done();
    expect(api.requests.map((request) => request.params.tool_choice)).toEqual([toolChoice, 'auto']);
  });

  it("abort() cancels the request in flight and rejects done() with LlmError('aborted')", async () => {
    const api = new ScriptedChatApi([hangUntilAborted]);
    const toolRun = runTools(api, { model: 'm', messages: user, tools: [weatherTool(() => 'sunny')] });
    await vi.waitFor(() => expect(api.requests).toHaveLength(1));
    toolRun.abort();
    await expect(toolRun.done()).rejects.toMatchObject({ name: 'LlmError', code: 'aborted' });
    expect(api.requests[0]!.signal?.aborted).toBe(true);
  });

  it('an aborted options.signal aborts a running tool and a stream that ignores it', async () => {
    const api = new ScriptedChatApi([completion({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] })]);
    let toolSignal: AbortSignal | undefined;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const tool = weatherTool((_args, { signal }) => { toolSignal = signal; started(); return new Promise(() => {}); });
    const controller = new AbortController();
    const toolRun = runTools(api, { model: 'm', messages: user, tools: [tool] }, { signal: controller.signal });
    await running;
    controller.abort();
    await expect(toolRun.done()).rejects.toMatchObject({ name: 'LlmError', code: 'aborted' });
    expect(toolSignal?.aborted).toBe(true);

    // A stream whose source never honours the signal: done() still rejects.
    const stuck = new ScriptedChatApi([async () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise<never>(() => {}) }) })]);
    const streaming = runTools(stuck, { model: 'm', messages: user, stream: true });
    await vi.waitFor(() => expect(stuck.requests).toHaveLength(1));
    streaming.abort();
    await expect(streaming.done()).rejects.toMatchObject({ name: 'LlmError', code: 'aborted' });
  });

  it('rejects done() with the error create() throws', async () => {
    const api = new ScriptedChatApi([{ throws: new Error('engine disposed') }]);
    await expect(runTools(api, { model: 'm', messages: user }).done()).rejects.toThrow('engine disposed');
  });

  it('checks its own input: a runnable function per tool, unique names, valid options and schemas', () => {
    const api = new ScriptedChatApi([]);
    const base = { model: 'm', messages: user };
    const subjectOf = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        expect(isLlmError(error, 'invalid_argument')).toBe(true);
        return (error as { subject: string }).subject;
      }
      return 'no error';
    };
    const fn = { type: 'function' as const, function: { name: 'f' } };
    expect(subjectOf(() => runTools(api, { ...base, tools: [fn as RunnableTool] }))).toBe('tools[0].run');
    expect(subjectOf(() => runTools(api, { ...base, tools: [weatherTool(() => 1), { ...fn, run: 'not a function' } as unknown as RunnableTool] }))).toBe('tools[1].run');
    expect(subjectOf(() => runTools(api, { ...base, tools: [weatherTool(() => 1), weatherTool(() => 2)] }))).toBe('tools[1].function.name');
    expect(subjectOf(() => runTools(api, { ...base, tools: [{ ...fn, run: () => 1, function: { name: 'f', parameters: { type: 'nonsense' } } }] }))).toBe('tools[0].function.parameters');
    expect(subjectOf(() => runTools(api, { ...base, tools: [{ ...fn, run: () => 1, timeoutMs: -1 }] }))).toBe('tools[0].timeoutMs');
    expect(subjectOf(() => runTools(api, { ...base, maxRounds: 0 }))).toBe('maxRounds');
    expect(subjectOf(() => runTools(api, { ...base, n: 2 }))).toBe('n');
    expect(api.requests).toHaveLength(0);
  });
});
