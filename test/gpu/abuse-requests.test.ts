/**
 * Abuse suite, requests: every kind of malformed request in abuse-request-kinds.ts and
 * abuse-schema-kinds.ts (wrong types, out-of-range values, bad message and content-part shapes,
 * tools and tool_choice, response_format and vLLM's structured outputs, schemas nested 55, 1,000
 * and 100,000 levels deep, `$ref` loops, over-size schemas, refused and unknown fields,
 * completions prompts) against one in-process engine on a fixture model, sent in turn through
 * `engine.chat.completions.create` / `engine.completions.create` and through the official openai
 * SDK over `engine.fetch`, streamed and not. Each is refused with a 400, an OpenAI error body
 * naming the field, before any chunk; after each the engine still answers a normal request and
 * holds no KV block. Deep schemas are refused by the request checks (schema-limits.ts), not by
 * the grammar compiler: the message is theirs, and a constrained request afterwards decodes as
 * usual.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { expectRefusal, expectStillServes, rejection } from '../support/abuse-check.ts';
import type { RequestKind } from '../support/abuse-request-kind.ts';
import { requestKinds } from '../support/abuse-request-kinds.ts';
import { schemaKinds } from '../support/abuse-schema-kinds.ts';
import { loadFixtureEngine } from '../support/fixture-engine.ts';

const kinds = [...requestKinds, ...schemaKinds];
let engine: LlmEngine;
let client: OpenAI;

beforeAll(async () => {
  engine = await loadFixtureEngine('qwen2-bf16', { maxModelLen: 2048 });
  client = new OpenAI({ apiKey: 'x', baseURL: 'http://local/v1', fetch: engine.fetch, maxRetries: 0 });
});
afterAll(async () => engine?.dispose());

const bases = {
  chat: { model: 'fixture', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, temperature: 0 },
  completions: { model: 'fixture', prompt: 'Hi', max_tokens: 2, temperature: 0 },
};

type Via = 'create' | 'create, streamed' | 'openai SDK' | 'openai SDK, streamed' | 'openai SDK, JSON text';
const sent = new Map<Via, number>();

/** Kinds take turns over the ways in; what JSON cannot carry goes in-process. */
function viaFor(kind: RequestKind, index: number, fields: Record<string, unknown>): Via {
  if (kind.json !== undefined) return 'openai SDK, JSON text';
  const ways: Via[] = kind.inProcess === true ? ['create', 'create, streamed'] : ['openai SDK', 'create', 'openai SDK, streamed', 'create, streamed'];
  const via = ways[index % ways.length]!;
  // Kinds about stream or stream_options themselves are sent as written.
  return 'stream' in fields || 'stream_options' in fields ? (via.replace(', streamed', '') as Via) : via;
}

function send(kind: RequestKind, via: Via, fields: Record<string, unknown>): Promise<unknown> {
  const path = kind.api === 'chat' ? '/chat/completions' : '/completions';
  if (via === 'openai SDK, JSON text') return client.post(path, { body: kind.json!(), headers: { 'content-type': 'application/json' } });
  const body = { ...bases[kind.api], ...fields, ...(via.endsWith('streamed') ? { stream: true } : {}) } as never;
  if (via.startsWith('openai SDK')) return kind.api === 'chat' ? client.chat.completions.create(body) : client.completions.create(body);
  return kind.api === 'chat' ? engine.chat.completions.create(body) : engine.completions.create(body);
}

describe('malformed requests are 400s naming the field, and the engine serves on', () => {
  it('has distinct kinds', () => {
    expect(new Set(kinds.map((kind) => `${kind.api} ${kind.name}`)).size).toBe(kinds.length);
    expect(kinds.length).toBeGreaterThanOrEqual(180);
  });

  it.each(kinds.map((kind, index) => [`${kind.api}: ${kind.name}`, kind, index] as const))('%s', async (_name, kind, index) => {
    const fields = kind.fields();
    const via = viaFor(kind, index, fields);
    sent.set(via, (sent.get(via) ?? 0) + 1);
    const error = await rejection(() => send(kind, via, fields));
    expectRefusal(error, {
      status: 400, param: kind.param, ...(kind.code === undefined ? {} : { code: kind.code }), ...(kind.message === undefined ? {} : { message: kind.message }),
    });
    await expectStillServes(engine);
  });

  it('counts them', () => {
    console.log(`abuse kinds (requests): ${kinds.length} (${[...sent].map(([via, count]) => `${via}: ${count}`).join(', ')})`);
    const sdk = [...sent].filter(([via]) => via.startsWith('openai SDK')).reduce((sum, [, count]) => sum + count, 0);
    expect(sdk).toBeGreaterThan(kinds.length / 3);
  });
});

describe('what was wrongly refused or refused too late is served', () => {
  it('seed 2^53 - 1 with n: 2 (each choice gets a valid seed of its own), chat and completions, through the SDK', async () => {
    const seed = Number.MAX_SAFE_INTEGER;
    const chat = await client.chat.completions.create({ ...bases.chat, n: 2, seed, temperature: 1 } as never) as OpenAI.ChatCompletion;
    expect(chat.choices).toHaveLength(2);
    const text = await client.completions.create({ ...bases.completions, n: 2, seed: -seed, temperature: 1 } as never) as OpenAI.Completion;
    expect(text.choices).toHaveLength(2);
    await expectStillServes(engine);
  });

  it('a constrained request after the deep schemas decodes under its grammar', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
    const reply = await client.chat.completions.create({
      ...bases.chat, max_tokens: 30, response_format: { type: 'json_schema', json_schema: { name: 'ok', schema, strict: true } },
    } as never) as OpenAI.ChatCompletion;
    expect(reply.choices[0]!.finish_reason).toBe('stop');
    expect(typeof (JSON.parse(reply.choices[0]!.message.content!) as { ok: unknown }).ok).toBe('boolean');
    await expectStillServes(engine);
  });
});
