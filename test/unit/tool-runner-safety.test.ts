/**
 * runTools under hostile input from the model or a careless page: patterns match in linear time,
 * long arguments are refused unparsed, timeouts too large for setTimeout are clamped (not fired at
 * once), oversized results are cut or replaced and the run goes on, non-object arguments never
 * reach the function, formats are checked, and none of it leaves an unhandled rejection.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runTools, type RunnableTool, type RunToolsParams, type ToolRunEvent } from '../../src/tools/tool-runner.ts';
import { maxTimeoutMs } from '../../src/tools/tool-options.ts';
import { isLlmError } from '../../src/errors.ts';
import { completion, ScriptedChatApi } from '../support/scripted-chat-api.ts';

const user = [{ role: 'user' as const, content: 'Hi' }];

/** One round of calls to `tool` with these argument texts, then a closing reply; what came back. */
async function callWith(tool: RunnableTool, argumentTexts: string[], options: Partial<RunToolsParams> = {}) {
  const api = new ScriptedChatApi([
    completion({ toolCalls: argumentTexts.map((text, i) => ({ id: `c${i}`, name: tool.function.name, arguments: text })) }),
    completion({ content: 'done' }),
  ]);
  const results: Extract<ToolRunEvent, { type: 'tool_result' }>[] = [];
  const run = runTools(api, { model: 'm', messages: user, tools: [tool], ...options } as RunToolsParams);
  run.on('tool_result', (event) => results.push(event));
  const result = await run.done();
  const sent = api.requests[1]!.params.messages.filter((m) => m.role === 'tool').map((m) => m.content as string);
  return { result, results, sent };
}

const stringTool = (pattern: string, run: RunnableTool['run']): RunnableTool =>
  ({ type: 'function', function: { name: 'match', parameters: { type: 'object', properties: { s: { type: 'string', pattern } }, required: ['s'] } }, run });

describe('validation cost', () => {
  it('matches ^(a+)+$ against a crafted argument in linear time, and still checks it', async () => {
    const run = vi.fn(() => 'matched');
    const crafted = JSON.stringify({ s: `${'a'.repeat(5_000)}!` }); // exponential for a backtracking engine
    const started = performance.now();
    const { results } = await callWith(stringTool('^(a+)+$', run), [crafted, JSON.stringify({ s: 'aaaa' })]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(results.map((r) => r.ok)).toEqual([false, true]);
    expect(results[0]!.error).toMatch(/must match pattern/);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('matches patternProperties and propertyNames with RE2 too', async () => {
    const run = vi.fn(() => 'ok');
    const tool: RunnableTool = { type: 'function', function: { name: 'keys', parameters: { type: 'object', propertyNames: { pattern: '^((x+x+)+y|(a|aa)+)$' }, patternProperties: { '^(a|aa)+$': { type: 'number' } } } }, run };
    const started = performance.now();
    const { results } = await callWith(tool, [JSON.stringify({ [`${'x'.repeat(3_000)}`]: 1 }), JSON.stringify({ xxy: 1, aaa: 2 }), JSON.stringify({ aaa: 'not a number' })]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(results.map((r) => r.ok)).toEqual([false, true, false]);
    expect(results[2]!.error).toMatch(/must be number/);
  });

  it('refuses arguments longer than maxToolArgumentsChars without parsing them', async () => {
    const run = vi.fn(() => 'ok');
    const parse = vi.spyOn(JSON, 'parse');
    const { results } = await callWith(stringTool('^a', run), [JSON.stringify({ s: 'a'.repeat(300) })], { maxToolArgumentsChars: 100 });
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(run).not.toHaveBeenCalled();
    expect(results[0]!.error).toMatch(/invalid arguments for tool 'match': 308 characters, more than the 100 allowed/);
  });

  it('checks formats: a bad date-time or email is an error result, good ones run', async () => {
    const run = vi.fn(() => 'ok');
    const tool: RunnableTool = { type: 'function', function: { name: 'book', parameters: { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, mail: { type: 'string', format: 'email' } } } }, run };
    const { results } = await callWith(tool, ['{"at":"2024-02-30T10:00:00Z"}', '{"mail":"not an email"}', '{"at":"2024-02-29T10:00:00+01:00","mail":"a@b.example"}']);
    expect(results.map((r) => r.ok)).toEqual([false, false, true]);
    expect(results[0]!.error).toMatch(/must match format "date-time"/);
  });
});

describe('arguments are always an object', () => {
  const texts = ['[1,2]', '"Paris"', '42', 'null', 'true'];
  for (const withSchema of [true, false]) {
    it(`${withSchema ? 'with' : 'without'} a schema, the function never sees an array, string, number, null or boolean`, async () => {
      const run = vi.fn(() => 'ran');
      const tool: RunnableTool = { type: 'function', function: { name: 'f', ...(withSchema ? { parameters: { properties: { a: { type: 'string' } } } } : {}) }, run };
      const { results, sent } = await callWith(tool, [...texts, '', '{}']);
      expect(run).toHaveBeenCalledTimes(2); // "" and {} are an empty object
      expect(results.slice(0, texts.length).map((r) => r.error)).toEqual(
        ['an array', 'a string', 'a number', 'null', 'a boolean'].map((kind) => `invalid arguments for tool 'f': arguments must be a JSON object, not ${kind}`));
      expect(JSON.parse(sent[0]!)).toEqual({ error: "invalid arguments for tool 'f': arguments must be a JSON object, not an array" });
    });
  }
});

describe('timeouts', () => {
  it.each([['toolTimeoutMs', { toolTimeoutMs: 2 ** 40 }, {}], ['a tool\'s timeoutMs', {}, { timeoutMs: 1e300 }], ['exactly 2^31', { toolTimeoutMs: 2 ** 31 }, {}]])(
    'clamps %s above 2^31-1 ms instead of firing at once', async (_what, options, toolExtra) => {
      const slow: RunnableTool = { type: 'function', function: { name: 'slow' }, run: () => new Promise((resolve) => setTimeout(() => resolve('finished'), 40)), ...toolExtra };
      const { results } = await callWith(slow, ['{}'], options);
      expect(results[0]).toMatchObject({ ok: true, content: 'finished' });
    });

  it('keeps the clamp at 2^31-1', () => expect(maxTimeoutMs).toBe(2_147_483_647));

  it.each([
    ['toolTimeoutMs', { toolTimeoutMs: Number.POSITIVE_INFINITY }], ['toolTimeoutMs', { toolTimeoutMs: Number.NaN }], ['toolTimeoutMs', { toolTimeoutMs: '100' }],
    ['toolTimeoutMs', { toolTimeoutMs: 0 }], ['maxToolResultChars', { maxToolResultChars: 1.5 }], ['maxToolResultChars', { maxToolResultChars: Number.POSITIVE_INFINITY }],
    ['maxToolArgumentsChars', { maxToolArgumentsChars: -1 }], ['maxRounds', { maxRounds: Number.POSITIVE_INFINITY }],
  ])('refuses %s = %o, naming it', (name, options) => {
    const api = new ScriptedChatApi([]);
    let error: unknown;
    try {
      runTools(api, { model: 'm', messages: user, ...options } as unknown as RunToolsParams);
    } catch (caught) {
      error = caught;
    }
    expect(isLlmError(error, 'invalid_argument')).toBe(true);
    expect((error as { subject: string }).subject).toBe(name);
    expect((error as Error).message).toContain(name);
  });

  it.each([['a string', 'hi'], ['missing', undefined], ['an object', { role: 'user' }]])('refuses messages that are %s, before any request', (_what, value) => {
    const api = new ScriptedChatApi([]);
    expect(() => runTools(api, { model: 'm', messages: value } as unknown as RunToolsParams)).toThrow(expect.objectContaining({ subject: 'messages', code: 'invalid_argument' }));
    expect(api.requests).toHaveLength(0);
  });

  it('refuses a tool timeoutMs of Infinity, naming the tool', () => {
    expect(() => runTools(new ScriptedChatApi([]), { model: 'm', messages: user, tools: [{ type: 'function', function: { name: 'f' }, run: () => 1, timeoutMs: Number.POSITIVE_INFINITY }] }))
      .toThrow(expect.objectContaining({ subject: 'tools[0].timeoutMs' }));
  });
});

describe('result size', () => {
  const returning = (value: unknown): RunnableTool => ({ type: 'function', function: { name: 'big' }, run: () => value });

  it('cuts a long text result, says so, and the run goes on', async () => {
    const { results, sent, result } = await callWith(returning('x'.repeat(2_000_000)), ['{}'], { maxToolResultChars: 1_000 });
    expect(sent[0]!.startsWith('x'.repeat(1_000))).toBe(true);
    expect(sent[0]!.length).toBeLessThan(1_200);
    expect(sent[0]).toMatch(/\[truncated: the result of tool 'big' had 2000000 characters; only the first 1000 are shown\]$/);
    expect(results[0]).toMatchObject({ ok: true, truncatedFrom: 2_000_000 });
    expect(result.finalContent).toBe('done');
  });

  it('does not split a surrogate pair when cutting', async () => {
    const { sent } = await callWith(returning(`${'a'.repeat(9)}😀😀`), ['{}'], { maxToolResultChars: 10 });
    expect(sent[0]!.startsWith(`${'a'.repeat(9)}\n`)).toBe(true);
  });

  it('replaces a long JSON result by an error result saying it was too large', async () => {
    const { results, sent } = await callWith(returning({ rows: Array.from({ length: 50_000 }, (_, i) => i) }), ['{}']);
    expect(results[0]!.ok).toBe(false);
    expect(JSON.parse(sent[0]!).error).toMatch(/^the result of tool 'big' was too large to send: \d+ characters of JSON, the limit is 16384; nothing of it was sent$/);
  });

  it('cuts a huge error message, and survives a thrown value that cannot be shown', async () => {
    const huge: RunnableTool = { type: 'function', function: { name: 'huge' }, run: () => { throw new Error('e'.repeat(1_000_000)); } };
    const { sent } = await callWith(huge, ['{}']);
    expect(sent[0]!.length).toBeLessThan(2_200);
    expect(JSON.parse(sent[0]!).error).toMatch(/error text cut at 2000 of 1000000 characters/);
    const hostile: RunnableTool = { type: 'function', function: { name: 'hostile' }, run: () => { throw { toString: () => { throw new Error('no'); } }; } };
    const second = await callWith(hostile, ['{}']);
    expect(second.results[0]!.error).toMatch(/cannot be shown as text/);
  });

  it('defaults to 16384 characters, or half an engine context when that is less', async () => {
    const long = 'y'.repeat(40_000);
    expect((await callWith(returning(long), ['{}'])).results[0]!.content).toMatch(/only the first 16384 are shown/);
    const api = new ScriptedChatApi([completion({ toolCalls: [{ name: 'big', arguments: {} }] }), completion({ content: 'done' })]);
    const run = runTools(api, { model: 'm', messages: user, tools: [returning(long)] }, { contextLength: 2048 });
    await run.done();
    expect(api.requests[1]!.params.messages.at(-1)!.content).toMatch(/only the first 1024 are shown/);
  });
});

describe('no unhandled rejections', () => {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  beforeEach(() => { seen.length = 0; process.on('unhandledRejection', listener); });
  afterEach(() => { process.off('unhandledRejection', listener); });

  it('from refused schemas, failing and late-rejecting tools, timeouts and aborted runs', async () => {
    for (const parameters of [{ $async: true, type: 'object' }, { type: 'object', properties: { a: { $ref: 'https://x.example/s' } } }]) {
      expect(() => runTools(new ScriptedChatApi([]), { model: 'm', messages: user, tools: [{ type: 'function', function: { name: 'f', parameters }, run: () => 1 }] })).toThrow();
    }
    const lateReject: RunnableTool = { type: 'function', function: { name: 'late' }, timeoutMs: 5, run: () => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 30)) };
    const badThenable: RunnableTool = { type: 'function', function: { name: 'thenable' }, run: () => ({ get then() { throw new Error('then getter'); } }) };
    const rejectsUndefined: RunnableTool = { type: 'function', function: { name: 'undef' }, run: () => Promise.reject(undefined) };
    for (const tool of [lateReject, badThenable, rejectsUndefined]) {
      const { results } = await callWith(tool, ['{}', '[]', '{"a":']);
      expect(results.every((r) => !r.ok)).toBe(true);
    }
    // A run nobody awaits, aborted while its tool hangs.
    const api = new ScriptedChatApi([completion({ toolCalls: [{ name: 'hang', arguments: {} }] })]);
    const hanging = runTools(api, { model: 'm', messages: user, tools: [{ type: 'function', function: { name: 'hang' }, run: () => new Promise(() => {}) }] });
    await vi.waitFor(() => expect(api.requests).toHaveLength(1));
    hanging.abort();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(seen).toEqual([]);
  });
});
