/**
 * Abuse suite for runTools on a real in-process engine (the demo's tiny tool model): bad schemas,
 * options, tools arrays and request fields are each a 400 naming the field, before anything runs
 * (or, for request fields, from done()); page functions that throw, hang, return huge or odd
 * values, and a model forced to write non-object, oversized, badly formatted or crafted arguments
 * each get a precise error or capped result the model can read. After every kind the engine still
 * answers a normal request with no KV block held, and nothing leaves an unhandled rejection.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import type { RunnableTool, RunToolsParams, ToolRunEvent, ToolRunResult } from '../../src/tools/tool-runner.ts';
import { expectRefusal, expectStillServes, rejection } from '../support/abuse-check.ts';
import { badToolSchemas } from '../support/bad-tool-schemas.ts';
import { tinyModelFolder, tinyModelId } from '../support/tiny-model-clients.ts';

let engine: LlmEngine;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  engine = await createEngine({ model: tinyModelFolder, worker: false });
  console.log(`[webgpu] adapter: ${engine.info.adapterName}`);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await engine?.dispose();
});

type Kind = readonly [name: string, check: () => Promise<void>];
type ToolResult = Extract<ToolRunEvent, { type: 'tool_result' }>;

const messages = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];
const weather = { name: 'get_weather', description: 'Get the current weather in a city.' };
const noArguments = { type: 'object', properties: {}, additionalProperties: false };
const base = { model: tinyModelId, messages, temperature: 0, max_tokens: 8 };
const tool = (extra: Record<string, unknown> = {}) => ({ type: 'function', function: { ...weather, parameters: noArguments }, run: () => 'sunny', ...extra });

/** Refused when runTools is called: nothing ran, no request was made. */
function refusedAtCall(name: string, params: () => unknown, param: string | null, message?: string | RegExp, options?: unknown): Kind {
  return [name, async () => {
    const before = await engine.stats();
    let error: unknown;
    try {
      engine.runTools(params() as RunToolsParams, options as { signal?: AbortSignal });
    } catch (caught) {
      error = caught;
    }
    expectRefusal(error, { status: 400, param, code: 'invalid_argument', ...(message === undefined ? {} : { message }) });
    const after = await engine.stats();
    expect(after.promptTokens, 'no request was made').toBe(before.promptTokens);
  }];
}

/** Request fields the runner passes on: create() refuses them and done() rejects with that 400. */
function refusedByRequest(name: string, extra: Record<string, unknown>, param: string): Kind {
  return [name, async () => {
    const run = vi.fn(() => 'sunny');
    const error = await rejection(() => engine.runTools({ ...base, tools: [tool({ run })], ...extra } as unknown as RunToolsParams).done());
    expectRefusal(error, { status: 400, param });
    expect(run).not.toHaveBeenCalled();
  }];
}

/** One forced call of get_weather (named tool_choice, so the model writes only arguments). */
async function forcedCall(toolExtra: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ result: ToolRunResult; results: ToolResult[] }> {
  const run = engine.runTools({
    ...base, tools: [tool(toolExtra)], tool_choice: { type: 'function', function: { name: 'get_weather' } }, maxRounds: 1, ...extra,
  } as unknown as RunToolsParams);
  const results: ToolResult[] = [];
  run.on('tool_result', (event) => results.push(event));
  const result = await run.done();
  expect(results).toHaveLength(1);
  return { result, results };
}

/** A page function misbehaving: the model gets exactly `expected`, and the run ends normally. */
function handled(name: string, run: RunnableTool['run'], expected: { ok: boolean; content?: string | RegExp; error?: RegExp }, extra: Record<string, unknown> = {}, toolExtra: Record<string, unknown> = {}): Kind {
  return [name, async () => {
    const { results } = await forcedCall({ run, ...toolExtra }, extra);
    const [outcome] = results;
    expect(outcome!.ok, outcome!.content.slice(0, 200)).toBe(expected.ok);
    if (typeof expected.content === 'string') expect(outcome!.content).toBe(expected.content);
    else if (expected.content !== undefined) expect(outcome!.content).toMatch(expected.content);
    if (expected.error !== undefined) expect(outcome!.error).toMatch(expected.error);
  }];
}

/** The model is forced (by the grammar) to write arguments the runner must not pass on. */
function modelWrites(name: string, parameters: Record<string, unknown>, error: RegExp, extra: Record<string, unknown> = {}): Kind {
  return [name, async () => {
    const run = vi.fn(() => 'sunny');
    const { results } = await forcedCall({ run, function: { ...weather, parameters } }, { max_tokens: 40, ...extra });
    expect(run).not.toHaveBeenCalled();
    expect(results[0]!.ok).toBe(false);
    expect(results[0]!.error).toMatch(error);
    expect(JSON.parse(results[0]!.content).error).toMatch(error);
  }];
}

const never = () => new Promise<never>(() => {});
const circular: Record<string, unknown> = {};
circular.self = circular;
const hostileKeys = new Proxy({}, { ownKeys: () => { throw new Error('no keys for you'); } });
const revoked = Proxy.revocable({}, {});
revoked.revoke();

const schemaKinds: Kind[] = [
  ...badToolSchemas.map(([what, schema, names]) =>
    refusedAtCall(`schema: ${what}`, () => ({ ...base, tools: [tool({ function: { ...weather, parameters: schema } })] }), 'tools[0].function.parameters', names)),
  refusedAtCall('schema: $async on the second tool', () => ({ ...base, tools: [tool(), tool({ function: { name: 'other', parameters: { $async: true, type: 'object' } } })] }), 'tools[1].function.parameters', '"$async"'),
];

const optionKinds: Kind[] = ([
  ['maxRounds', 0], ['maxRounds', -1], ['maxRounds', 1.5], ['maxRounds', Number.POSITIVE_INFINITY], ['maxRounds', '3'], ['maxRounds', null],
  ['toolTimeoutMs', 0], ['toolTimeoutMs', -5], ['toolTimeoutMs', Number.NaN], ['toolTimeoutMs', Number.POSITIVE_INFINITY], ['toolTimeoutMs', '100'], ['toolTimeoutMs', null],
  ['maxToolResultChars', 0], ['maxToolResultChars', 1.5], ['maxToolResultChars', Number.POSITIVE_INFINITY], ['maxToolResultChars', '16k'],
  ['maxToolArgumentsChars', -1], ['maxToolArgumentsChars', Number.NaN], ['n', 2],
] as const).map(([option, value]) => refusedAtCall(`option: ${option} = ${String(value)}`, () => ({ ...base, tools: [tool()], [option]: value }), option, option));

const toolsKinds: Kind[] = ([
  ['a string', 'get_weather', 'tools'], ['an object', {}, 'tools'], ['null', null, 'tools'],
  ['[null]', [null], 'tools[0]'], ['[42]', [42], 'tools[0]'], ['a tool name', ['get_weather'], 'tools[0]'],
  ['type "fn"', [tool({ type: 'fn' })], 'tools[0].type'], ['no type', [{ function: weather, run: () => 1 }], 'tools[0].type'],
  ['no function', [{ type: 'function', run: () => 1 }], 'tools[0].function'], ['function null', [tool({ function: null })], 'tools[0].function'],
  ['an empty name', [tool({ function: { name: '' } })], 'tools[0].function.name'], ['a numeric name', [tool({ function: { name: 42 } })], 'tools[0].function.name'],
  ['no run', [{ type: 'function', function: weather }], 'tools[0].run'], ['run as code text', [tool({ run: 'return 1' })], 'tools[0].run'],
  ['run an object', [tool({ run: { call: () => 1 } })], 'tools[0].run'], ['a name twice', [tool(), tool()], 'tools[1].function.name'],
  ['timeoutMs -1', [tool({ timeoutMs: -1 })], 'tools[0].timeoutMs'], ['timeoutMs Infinity', [tool({ timeoutMs: Number.POSITIVE_INFINITY })], 'tools[0].timeoutMs'],
  ['timeoutMs NaN', [tool({ timeoutMs: Number.NaN })], 'tools[0].timeoutMs'], ['timeoutMs "100"', [tool({ timeoutMs: '100' })], 'tools[0].timeoutMs'],
  ['a bad tool after a good one', [tool(), tool({ function: { name: 'x' }, run: null })], 'tools[1].run'],
  ['a getter that throws', [{ type: 'function', get function() { throw new Error('getter'); }, run: () => 1 }], 'tools'],
  ['a revoked proxy', [revoked.proxy], 'tools'],
] as const).map(([what, tools, param]) => refusedAtCall(`tools: ${what}`, () => ({ ...base, tools }), param));

const inputKinds: Kind[] = [
  ...([['null', null], ['an array', []], ['a string', 'hi'], ['a number', 42], ['undefined', undefined]] as const)
    .map(([what, params]) => refusedAtCall(`params: ${what}`, () => params, null, /runTools takes one object/)),
  refusedAtCall('options: signal a string', () => ({ ...base, tools: [tool()] }), 'signal', 'AbortSignal', { signal: 'stop' }),
  refusedAtCall('options: signal a look-alike object', () => ({ ...base, tools: [tool()] }), 'signal', 'AbortSignal', { signal: { aborted: false } }),
  refusedByRequest('request: an unknown field', { frobnicate: 1 }, 'frobnicate'),
  refusedByRequest('request: tool_choice naming an unregistered tool', { tool_choice: { type: 'function', function: { name: 'get_time' } } }, 'tool_choice'),
  refusedByRequest('request: max_tokens -1', { max_tokens: -1 }, 'max_tokens'),
  refusedAtCall('request: messages a string', () => ({ ...base, messages: 'hi', tools: [tool()] }), 'messages', 'must be an array'),
  refusedAtCall('request: no messages', () => ({ model: tinyModelId, tools: [tool()] }), 'messages', 'must be an array'),
  refusedByRequest('request: temperature "hot"', { temperature: 'hot' }, 'temperature'),
];

const longText = 'x'.repeat(2_000_000);
const functionKinds: Kind[] = [
  handled('run: throws an Error', () => { throw new Error('disk full'); }, { ok: false, content: '{"error":"disk full"}' }),
  handled('run: throws a string', () => { throw 'plain string'; }, { ok: false, content: '{"error":"plain string"}' }),
  handled('run: throws undefined', () => { throw undefined; }, { ok: false, content: '{"error":"undefined"}' }),
  handled('run: throws a value whose toString throws', () => { throw { toString: () => { throw new Error('x'); } }; }, { ok: false, error: /cannot be shown as text/ }),
  handled('run: rejects asynchronously', async () => { throw new Error('network down'); }, { ok: false, content: '{"error":"network down"}' }),
  handled('run: throws a 1 MB message', () => { throw new Error('e'.repeat(1_000_000)); }, { ok: false, error: /error text cut at 1024 of 1000000 characters/ }),
  // The default cap on this engine: half its 2,048-token context.
  handled('run: returns 2 MB of text', () => longText, { ok: true, content: /^x{1024}\n\[truncated: the result of tool 'get_weather' had 2000000 characters; only the first 1024 are shown\]$/ }),
  handled('run: returns 2 MB of JSON', () => ({ text: longText }), { ok: false, error: /too large to send: 2000011 characters of JSON, the limit is 1024/ }),
  ['run: returns 2 MB of text, and the next round goes on', async () => {
    const { result, results } = await forcedCall({ run: () => longText }, { maxRounds: 2, max_tokens: 4, maxToolResultChars: 64 });
    expect(results[0]).toMatchObject({ ok: true, truncatedFrom: 2_000_000 });
    expect(result.rounds).toBe(2);
    expect(result.completions[1]!.usage!.prompt_tokens).toBeLessThan(engine.info.maxModelLen);
  }],
  handled('run: a result over maxToolResultChars 10', () => 'abcdefghijklmnop', { ok: true, content: /^abcdefghij\n\[truncated/ }, { maxToolResultChars: 10 }),
  handled('run: returns a circular object', () => circular, { ok: false, error: /could not be turned into JSON/ }),
  handled('run: returns a BigInt', () => 10n, { ok: false, error: /could not be turned into JSON/ }),
  handled('run: returns an object whose toJSON throws', () => ({ toJSON: () => { throw new Error('toJSON'); } }), { ok: false, error: /could not be turned into JSON: toJSON/ }),
  handled('run: returns a proxy whose keys throw', () => hostileKeys, { ok: false, error: /no keys for you/ }),
  handled('run: returns a symbol', () => Symbol('s'), { ok: true, content: '' }),
  handled('run: returns a function', () => () => 1, { ok: true, content: '' }),
  handled('run: returns undefined', () => undefined, { ok: true, content: '' }),
  handled('run: returns null', () => null, { ok: true, content: 'null' }),
  handled('run: returns a number', () => 42, { ok: true, content: '42' }),
  handled('run: returns false', () => false, { ok: true, content: 'false' }),
  handled('run: returns a Date', () => new Date(0), { ok: true, content: '"1970-01-01T00:00:00.000Z"' }),
  handled('run: returns a Map', () => new Map([['a', 1]]), { ok: true, content: '{}' }),
  handled('run: returns a thenable whose then throws', () => ({ get then() { throw new Error('then'); } }), { ok: false, content: '{"error":"then"}' }),
  handled('run: never resolves, tool timeoutMs 50', never, { ok: false, content: '{"error":"tool \'get_weather\' timed out after 50 ms"}' }, {}, { timeoutMs: 50 }),
  handled('run: never resolves, toolTimeoutMs 50', never, { ok: false, error: /timed out after 50 ms/ }, { toolTimeoutMs: 50 }),
  handled('run: rejects after its timeout', () => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 80)), { ok: false, error: /timed out after 20 ms/ }, {}, { timeoutMs: 20 }),
  handled('run: toolTimeoutMs 2^40 does not fire early', () => new Promise((resolve) => setTimeout(() => resolve('slow but fine'), 30)), { ok: true, content: 'slow but fine' }, { toolTimeoutMs: 2 ** 40 }),
  handled('run: tool timeoutMs 1e300 does not fire early', () => new Promise((resolve) => setTimeout(() => resolve('slow but fine'), 30)), { ok: true, content: 'slow but fine' }, {}, { timeoutMs: 1e300 }),
  handled('run: mutates and returns its arguments', (args: Record<string, unknown>) => { args.extra = 1; return args; }, { ok: true, content: '{"extra":1}' }),
  ['run: hangs and the run is aborted', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const run = engine.runTools({ ...base, tools: [tool({ run: () => { started(); return never(); } })], tool_choice: { type: 'function', function: { name: 'get_weather' } } } as unknown as RunToolsParams);
    await running;
    run.abort();
    expectRefusal(await rejection(() => run.done()), { status: 499, param: null, code: 'aborted' });
  }],
  ['run: a signal aborted before the start', async () => {
    const fn = vi.fn(() => 'sunny');
    const error = await rejection(() => engine.runTools({ ...base, tools: [tool({ run: fn })] } as unknown as RunToolsParams, { signal: AbortSignal.abort() }).done());
    expectRefusal(error, { status: 499, param: null, code: 'aborted' });
    expect(fn).not.toHaveBeenCalled();
  }],
];

const date = { type: 'object', properties: { day: { const: '2024-02-30', format: 'date' } }, required: ['day'], additionalProperties: false };
// The grammar ignores if/then, so the model writes "get" and 23 a's that only ajv checks against
// (a+)+b: about 2^23 steps for a backtracking engine (seconds), linear for RE2.
const crafted = { type: 'object', properties: { city: { type: 'string', minLength: 26, maxLength: 26 } }, required: ['city'], additionalProperties: false, if: { required: ['city'] }, then: { properties: { city: { pattern: '(a+)+b' } } } };
const modelKinds: Kind[] = [
  modelWrites('model: an array as arguments', { const: [1, 2] }, /arguments must be a JSON object, not an array/),
  modelWrites('model: a string as arguments', { const: 'Paris' }, /arguments must be a JSON object, not a string/),
  modelWrites('model: a number as arguments', { const: 42 }, /arguments must be a JSON object, not a number/),
  modelWrites('model: null as arguments', { const: null }, /arguments must be a JSON object, not null/),
  modelWrites('model: true as arguments', { const: true }, /arguments must be a JSON object, not a boolean/),
  modelWrites('model: arguments over maxToolArgumentsChars', noArguments, /2 characters, more than the 1 allowed/, { maxToolArgumentsChars: 1 }),
  modelWrites('model: a date that does not exist', date, /must match format "date"/),
  ['model: a crafted argument against a backtracking pattern', async () => {
    const run = vi.fn(() => 'sunny');
    const { results } = await forcedCall({ run, function: { ...weather, parameters: crafted } }, { messages: [{ role: 'user', content: `What is the weather in ${'a'.repeat(30)}?` }], max_tokens: 40 });
    expect(run).not.toHaveBeenCalled();
    expect(results[0]!.error).toMatch(/must match pattern "\(a\+\)\+b"/);
    expect(results[0]!.durationMs).toBeLessThan(500);
  }],
];

const kinds: Kind[] = [...schemaKinds, ...optionKinds, ...toolsKinds, ...inputKinds, ...functionKinds, ...modelKinds];

describe('runTools abuse', () => {
  it('has distinct kinds', () => {
    expect(new Set(kinds.map(([name]) => name)).size).toBe(kinds.length);
    console.log(`abuse kinds (runTools): ${kinds.length}`);
  });

  it.each(kinds)('%s', async (_name, check) => {
    await check();
    await expectStillServes(engine);
  });

  it('left no unhandled rejection', async () => {
    await new Promise((resolve) => setTimeout(resolve, 150)); // the late rejections above have fired
    expect(unhandled).toEqual([]);
  });
});
