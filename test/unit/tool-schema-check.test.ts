/**
 * runTools refuses, before anything runs, a tool schema it could not check fully or at a bounded
 * cost: each case is a 400 naming `tools[i].function.parameters`, the tool and the keyword; the
 * schemas real tools use still compile.
 */
import { describe, expect, it, vi } from 'vitest';
import { runTools, type RunnableTool } from '../../src/tools/tool-runner.ts';
import { isLlmError, type LlmError } from '../../src/errors.ts';
import { badToolSchemas as refused } from '../support/bad-tool-schemas.ts';
import { ScriptedChatApi } from '../support/scripted-chat-api.ts';

const user = [{ role: 'user' as const, content: 'Hi' }];

function refusal(parameters: unknown, index = 0): LlmError {
  const api = new ScriptedChatApi([]);
  const run = vi.fn(() => 'ran');
  const ok: RunnableTool = { type: 'function', function: { name: 'ok', parameters: { type: 'object' } }, run };
  const bad = { type: 'function', function: { name: 'lookup', parameters }, run } as unknown as RunnableTool;
  const tools = index === 0 ? [bad] : [ok, bad];
  try {
    runTools(api, { model: 'm', messages: user, tools });
  } catch (error) {
    expect(isLlmError(error, 'invalid_argument'), String(error)).toBe(true);
    expect(api.requests).toHaveLength(0); // refused before the first request
    expect(run).not.toHaveBeenCalled();
    return error as LlmError;
  }
  throw new Error(`schema accepted: ${JSON.stringify(parameters)}`);
}

describe('tool schemas runTools refuses', () => {
  it.each(refused)('%s', (_what, schema, names) => {
    const error = refusal(schema);
    expect(error.subject).toBe('tools[0].function.parameters');
    expect(error.status).toBe(400);
    expect(error.message).toContain("tool 'lookup'");
    if (typeof names === 'string') expect(error.message).toContain(names);
    else expect(error.message).toMatch(names);
  });

  it('names the index of the tool at fault', () => {
    expect(refusal({ $async: true, type: 'object' }, 1).subject).toBe('tools[1].function.parameters');
  });
});

describe('tool schemas runTools accepts', () => {
  const accepted: [string, Record<string, unknown>][] = [
    ['the demo tools', { type: 'object', properties: { city: { type: 'string', description: 'The city' } }, required: ['city'] }],
    ['no type at the root', { properties: { a: { type: 'string' } } }],
    ['a type list with object', { type: ['object', 'null'], properties: {} }],
    ['local definitions', { type: 'object', $defs: { unit: { enum: ['c', 'f'] } }, properties: { unit: { $ref: '#/$defs/unit' } } }],
    ['shared (non-recursive) references', { type: 'object', definitions: { s: { type: 'string' } }, properties: { a: { $ref: '#/definitions/s' }, b: { $ref: '#/definitions/s' } } }],
    ['the formats it checks', { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, mail: { type: 'string', format: 'email' }, id: { type: 'string', format: 'uuid' } } }],
    ['uniqueItems over strings', { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' }, uniqueItems: true } } }],
    ['uniqueItems over objects with maxItems', { type: 'object', properties: { a: { type: 'array', items: { type: 'object' }, uniqueItems: true, maxItems: 50 } } }],
    ['metadata keywords', { type: 'object', title: 'T', description: 'D', $comment: 'c', examples: [{ $async: true }], properties: { a: { type: 'string', default: 'x', deprecated: true, readOnly: true } } }],
    ['property names that look like keywords', { type: 'object', properties: { $ref: { type: 'string' }, $async: { type: 'boolean' }, format: { type: 'string' } } }],
    ['undefined members (dropped as JSON)', { type: 'object', description: undefined, properties: { a: { type: 'string' } } }],
    ['a draft-07 $schema', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }],
    ['patterns RE2 runs', { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{3}-\\d{2,4}$' } }, patternProperties: { '^x-': { type: 'string' } } }],
  ];
  it.each(accepted)('%s', (_what, parameters) => {
    const api = new ScriptedChatApi([]);
    expect(() => runTools(api, { model: 'm', messages: user, tools: [{ type: 'function', function: { name: 'f', parameters }, run: () => 'ok' }] })).not.toThrow();
  });
});
