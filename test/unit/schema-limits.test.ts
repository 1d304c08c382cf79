/**
 * The request-JSON limits (schema-limits.ts) on their own and through the request parsers: depth
 * counted without recursion (a 100,000-deep value is refused as fast as a 65-deep one, with no
 * RangeError), `$ref`s followed as levels with recursion cut, node and text budgets shared by a
 * request's tools, non-JSON values refused, and each refusal an invalid_argument naming the field.
 */
import { describe, expect, it } from 'vitest';
import { validateMessages, validateTools } from '../../src/chat/chat-messages.ts';
import { parseChatParams } from '../../src/chat/chat-params.ts';
import { show } from '../../src/chat/param-checks.ts';
import { LlmEngine, type ChatBackend } from '../../src/api/llm-engine.ts';
import { checkJsonLimits, checkRequestShape, checkSchemaLimits, maxTools, newBudget, schemaLimits } from '../../src/chat/schema-limits.ts';
import { isLlmError } from '../../src/errors.ts';

const { maxDepth, maxNodes, maxChars } = schemaLimits;

/** `levels` objects nested through `properties.a`: 2 levels each (the object and its properties map), then the leaf. */
function nestedProperties(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
}

function nestedArrays(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** A flat `$defs` whose entries point each to the next: `length` references deep. */
function refChain(length: number): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (let i = 0; i < length; i++) defs[`d${i}`] = { $ref: `#/$defs/d${i + 1}` };
  defs[`d${length}`] = { type: 'string' };
  return { $defs: defs, $ref: '#/$defs/d0' };
}

/** The error `run` throws: an invalid_argument whose message starts with its subject. */
function refusal(run: () => unknown): { subject: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(isLlmError(error, 'invalid_argument'), String(error)).toBe(true);
    const { subject, message } = error as { subject: string; message: string };
    expect(message.startsWith(`${subject}: `), message).toBe(true);
    return { subject, message };
  }
  throw new Error('expected a refusal');
}

describe('depth', () => {
  it(`takes ${maxDepth} levels and refuses ${maxDepth + 1}, naming the field and where`, () => {
    // 31 nested objects: the leaf object sits at level 63.
    expect(() => checkSchemaLimits(nestedProperties(31), 'f')).not.toThrow();
    expect(() => checkJsonLimits(nestedArrays(maxDepth), 'f')).not.toThrow();
    const error = refusal(() => checkSchemaLimits(nestedProperties(32), 'response_format.json_schema.schema'));
    expect(error.subject).toBe('response_format.json_schema.schema');
    expect(error.message).toMatch(/more than 64 levels deep \(at properties\.a\.properties\.a/);
    expect(refusal(() => checkJsonLimits(nestedArrays(maxDepth + 1), 'f')).subject).toBe('f');
  });

  it('walks without recursion: 100,000 levels are refused fast, with no RangeError', () => {
    const deepObject = nestedProperties(100_000);
    const deepArray = nestedArrays(100_000);
    const started = performance.now();
    expect(refusal(() => checkSchemaLimits(deepObject, 'tools[0].function.parameters')).subject).toBe('tools[0].function.parameters');
    expect(refusal(() => checkJsonLimits(deepArray, 'x')).subject).toBe('x');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('counts a followed $ref as a level, and a reference back up as recursion', () => {
    expect(() => checkSchemaLimits(refChain(maxDepth - 4), 'f')).not.toThrow();
    expect(refusal(() => checkSchemaLimits(refChain(maxDepth), 'f')).message).toMatch(/through its \$refs/);
    // Objects chained through $refs, 3 levels a link (the object, its properties, `a` whose $ref
    // is followed): 21 links fit, 22 do not (XGrammar's converter fails at about 34).
    const objectChain = (links: number) => {
      const defs: Record<string, unknown> = { [`d${links}`]: { type: 'string' } };
      for (let i = 0; i < links; i++) defs[`d${i}`] = { type: 'object', properties: { a: { $ref: `#/$defs/d${i + 1}` } } };
      return { $defs: defs, $ref: '#/$defs/d0' };
    };
    expect(() => checkSchemaLimits(objectChain(20), 'f')).not.toThrow();
    expect(refusal(() => checkSchemaLimits(objectChain(22), 'f')).subject).toBe('f');
    const tree = { type: 'object', properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#' } } } };
    expect(() => checkSchemaLimits(tree, 'f')).not.toThrow();
    // Escaped and unresolvable pointers: followed when they name something, else left to XGrammar.
    expect(() => checkSchemaLimits({ $defs: { 'a/b': { type: 'string' } }, $ref: '#/$defs/a~1b' }, 'f')).not.toThrow();
    expect(() => checkSchemaLimits({ $ref: '#/nowhere' }, 'f')).not.toThrow();
    expect(() => checkSchemaLimits({ $ref: '#/%zz' }, 'f')).not.toThrow();
  });

  it('refuses a $ref that leads only back to itself (XGrammar reads nothing beside a $ref), not recursion with a way out', () => {
    expect(refusal(() => checkSchemaLimits({ $ref: '#' }, 'f')).message).toMatch(/the \$ref at the top leads only back to itself/);
    const mutual = { $defs: { a: { $ref: '#/$defs/b', description: 'A' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' };
    expect(refusal(() => checkSchemaLimits(mutual, 'f')).subject).toBe('f');
    expect(refusal(() => checkSchemaLimits({ type: 'object', properties: { a: { $ref: '#/properties/a' } } }, 'f')).message).toMatch(/at properties\.a /);
    expect(() => checkSchemaLimits({ anyOf: [{ type: 'null' }, { $ref: '#' }] }, 'f')).not.toThrow();
    expect(refusal(() => checkSchemaLimits({ $ref: '#', type: 'object', properties: { a: { type: 'string' } } }, 'f')).subject).toBe('f');
    expect(() => checkSchemaLimits({ type: 'object', properties: { next: { anyOf: [{ type: 'null' }, { $ref: '#' }] } } }, 'f')).not.toThrow();
  });

  it('refuses an in-process object that contains itself as too deep, not with a TypeError', () => {
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic['properties'] = { self: cyclic };
    expect(refusal(() => checkSchemaLimits(cyclic, 'f')).message).toMatch(/levels deep/);
  });
});

describe('size', () => {
  it(`takes ${maxNodes} objects and arrays, refuses one more`, () => {
    const wide = (count: number) => ({ type: 'object', properties: Object.fromEntries(Array.from({ length: count - 2 }, (_, i) => [`p${i}`, {}])) });
    expect(() => checkSchemaLimits(wide(maxNodes), 'f')).not.toThrow();
    expect(refusal(() => checkSchemaLimits(wide(maxNodes + 1), 'f')).message).toMatch(/more than 10000 objects and arrays/);
  });

  it(`refuses more than ${maxChars} characters of JSON`, () => {
    expect(() => checkSchemaLimits({ description: 'x'.repeat(maxChars - 100) }, 'f')).not.toThrow();
    expect(refusal(() => checkSchemaLimits({ description: 'x'.repeat(maxChars) }, 'f')).message).toMatch(/characters of JSON/);
    expect(refusal(() => checkSchemaLimits({ enum: Array.from({ length: maxChars / 4 }, (_, i) => i * 1000) }, 'f')).subject).toBe('f');
  });

  it('shares one budget across schemas, naming the budget field when the total is over', () => {
    const budget = newBudget();
    const half = { type: 'object', properties: Object.fromEntries(Array.from({ length: maxNodes / 2 }, (_, i) => [`p${i}`, {}])) };
    checkSchemaLimits(half, 'tools[0].function.parameters', budget, 'tools');
    expect(refusal(() => checkSchemaLimits(half, 'tools[1].function.parameters', budget, 'tools'))).toMatchObject({ subject: 'tools', message: expect.stringMatching(/in all/) });
  });

  it('refuses values that are not JSON', () => {
    expect(refusal(() => checkSchemaLimits({ maximum: Number.NaN }, 'f')).message).toMatch(/NaN at maximum/);
    expect(refusal(() => checkSchemaLimits({ maximum: Infinity }, 'f')).message).toMatch(/Infinity/);
    expect(refusal(() => checkSchemaLimits({ maximum: 10n }, 'f')).message).toMatch(/bigint at maximum/);
    expect(refusal(() => checkSchemaLimits({ properties: { a: () => 1 } }, 'f')).message).toMatch(/function at properties\.a/);
    expect(refusal(() => checkSchemaLimits({ default: undefined }, 'f')).message).toMatch(/undefined/);
  });
});

describe('through the request parsers', () => {
  const messages = [{ role: 'user', content: 'Hi' }];
  const tool = (name: string, parameters?: unknown) => ({ type: 'function', function: { name, ...(parameters === undefined ? {} : { parameters }) } });

  it('names the schema field for response_format, tools, structured_outputs and guided_json', () => {
    const deep = nestedProperties(1_000);
    expect(refusal(() => parseChatParams({ messages, response_format: { type: 'json_schema', json_schema: { name: 'n', schema: deep } } })).subject).toBe('response_format.json_schema.schema');
    expect(refusal(() => validateTools([tool('a'), tool('b', deep)])).subject).toBe('tools[1].function.parameters');
    expect(refusal(() => parseChatParams({ messages, structured_outputs: { json: deep } })).subject).toBe('structured_outputs.json');
    expect(refusal(() => parseChatParams({ messages, guided_json: deep })).subject).toBe('guided_json');
    // JSON text is parsed without recursion, then walked like an object.
    const deepText = `${'{"type": "object", "properties": {"a": '.repeat(100_000)}{}${'}}'.repeat(100_000)}`;
    expect(refusal(() => parseChatParams({ messages, guided_json: deepText })).subject).toBe('guided_json');
    expect(refusal(() => parseChatParams({ messages, guided_json: ' '.repeat(maxChars + 1) })).message).toMatch(/characters of JSON/);
  });

  it(`takes ${maxTools} tools and refuses more; tool names stay within 64 characters`, () => {
    const tools = (count: number) => Array.from({ length: count }, (_, i) => tool(`f${i}`));
    expect(validateTools(tools(maxTools))).toHaveLength(maxTools);
    expect(refusal(() => validateTools(tools(maxTools + 1))).message).toMatch(/at most 128 tools/);
    expect(refusal(() => validateTools([tool('a'.repeat(65))])).subject).toBe('tools[0].function.name');
  });

  it("bounds tool-call arguments given as objects and chat_template_kwargs, which the template renders", () => {
    const call = { id: 'c1', type: 'function', function: { name: 'f', arguments: { a: nestedArrays(100_000) } } };
    const history = [{ role: 'user', content: 'x' }, { role: 'assistant', tool_calls: [call] }];
    expect(refusal(() => validateMessages(history)).subject).toBe('messages[1].tool_calls[0].function.arguments');
    expect(refusal(() => parseChatParams({ messages, chat_template_kwargs: { a: nestedArrays(100) } })).subject).toBe('chat_template_kwargs');
  });
});

describe('a whole request before it is posted to the worker', () => {
  it(`refuses anything nested more than ${maxDepth} levels below its field, or holding a function, naming the field as the worker's checks do`, () => {
    const parameters = (levels: number) => ({ tools: [{ type: 'function', function: { name: 'f' } }, { type: 'function', function: { name: 'g', parameters: nestedProperties(levels) } }] });
    expect(() => checkRequestShape({ messages: [{ role: 'user', content: 'x' }], ...parameters(31) })).not.toThrow();
    expect(refusal(() => checkRequestShape(parameters(32)))).toMatchObject({ subject: 'tools[1].function.parameters', message: expect.stringMatching(/more than 64 levels deep \(at properties\.a\.properties/) });
    const format = (schema: unknown) => ({ response_format: { type: 'json_schema', json_schema: { name: 'n', schema } } });
    expect(refusal(() => checkRequestShape(format(nestedProperties(100_000)))).subject).toBe('response_format.json_schema.schema');
    expect(refusal(() => checkRequestShape({ structured_outputs: { json: nestedProperties(1000) } })).subject).toBe('structured_outputs.json');
    const call = { id: 'c', type: 'function', function: { name: 'f', arguments: { a: nestedArrays(1000) } } };
    expect(refusal(() => checkRequestShape({ messages: [{ role: 'assistant', tool_calls: [call] }] })).message).toMatch(/^messages\[0\]\.tool_calls\[0\]\.function\.arguments: .*\(at a\[0\]\[0\]/);
    expect(refusal(() => checkRequestShape({ model: 'm', metadata: nestedArrays(100_000) }))).toMatchObject({ subject: 'metadata', message: expect.stringMatching(/levels deep/) });
    expect(refusal(() => checkRequestShape({ vllm_xargs: { f: () => 1 } })).message).toMatch(/^vllm_xargs: holds a function at vllm_xargs\.f/);
    const shared = { a: 1 };
    expect(() => checkRequestShape({ metadata: { x: shared, y: shared } })).not.toThrow();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => checkRequestShape({ metadata: cyclic })).not.toThrow(); // structured clone copies cycles
  });

  it('LlmEngine checks before the backend call, so a worker never sees (and a structured clone never overflows on) such a request', async () => {
    const posted: unknown[] = [];
    const backend = {
      chat: async (_key: string, params: unknown) => {
        posted.push(structuredClone(params));
        return undefined;
      },
    } as unknown as ChatBackend;
    const engine = new LlmEngine({ backend, callback: (fn) => fn }, {} as never);
    const error = await engine.chat.completions.create({ model: 'm', messages: [], metadata: nestedArrays(100_000) } as never).catch((e: unknown) => e);
    expect(isLlmError(error, 'invalid_argument')).toBe(true);
    expect((error as { subject: string }).subject).toBe('metadata');
    const streamed = await engine.chat.completions.create({ model: 'm', messages: [], stream: true, metadata: nestedArrays(100_000) } as never).catch((e: unknown) => e);
    expect((streamed as { subject: string }).subject).toBe('metadata');
    expect(posted).toHaveLength(0);
  });
});

describe('show', () => {
  it('quotes any value without throwing, cut short', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(show(nestedArrays(100_000))).toBe('an array');
    expect(show(cyclic)).toBe('an object');
    expect(show(Number.NaN)).toBe('NaN');
    expect(show(2n)).toBe('a bigint');
    expect(show(undefined)).toBe('nothing');
    expect(show('x'.repeat(10_000))).toHaveLength(101);
    expect(show({ a: 1 })).toBe('{"a":1}');
  });
});
