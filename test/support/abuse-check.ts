/**
 * What every case of the abuse suite asserts: the bad input is refused with the right status and
 * an OpenAI-shaped error naming the field at fault, and afterwards the same engine still answers
 * a normal request and holds no KV block.
 */
import { expect } from 'vitest';
import type { LlmEngine } from '../../src/api/llm-engine.ts';

export interface Refusal {
  /** HTTP status the error maps to (LlmError.status; the OpenAI SDK's APIError.status). */
  readonly status: number;
  /** The field (or file / tensor) the error names: LlmError.subject, APIError.param. */
  readonly param: string | RegExp | null;
  /** LlmError code, when the case pins it. */
  readonly code?: string;
  /** Text the message must contain. */
  readonly message?: string | RegExp;
}

/** The error a rejected call threw, or a failure if it resolved. */
export async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused, and it succeeded');
}

/** Asserts `error` is the refusal described: status, error body shape, named field, code, message. */
export function expectRefusal(error: unknown, expected: Refusal): void {
  const e = error as { status?: unknown; param?: unknown; code?: unknown; message?: unknown; error?: unknown };
  expect(e, String(error)).toBeInstanceOf(Error);
  expect(e.status, `status of: ${String(e.message)}`).toBe(expected.status);
  const body = e.error as { message?: unknown; type?: unknown; param?: unknown; code?: unknown } | undefined;
  expect(body, 'an OpenAI error body').toBeDefined();
  expect(typeof body!.message).toBe('string');
  expect(body!.type).toBe(expected.status < 500 ? 'invalid_request_error' : 'server_error');
  expect(typeof body!.code).toBe('string');
  if (expected.param instanceof RegExp) expect(String(e.param)).toMatch(expected.param);
  else expect(e.param, `param of: ${String(e.message)}`).toBe(expected.param);
  if (expected.code !== undefined) expect(e.code).toBe(expected.code);
  if (expected.message !== undefined) expect(String(e.message)).toMatch(expected.message);
  // Error text never carries raw memory: printable text only.
  expect(String(e.message)).not.toMatch(/[\u0000-\u0008\u000e-\u001f\ufffd]/);
}

/** A normal request gets an answer, and then no KV block is held. */
export async function expectStillServes(engine: LlmEngine): Promise<void> {
  const reply = await engine.chat.completions.create({
    model: engine.info.location,
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 2,
    temperature: 0,
  });
  expect(reply.choices[0]!.finish_reason).toMatch(/^(stop|length)$/);
  expect(reply.usage!.completion_tokens).toBeGreaterThan(0);
  const stats = await engine.stats();
  // Prefix-cached blocks of finished requests sit in the free queue: an idle engine uses none.
  expect(stats.blocksUsed, 'KV blocks held after the case').toBe(0);
  expect(stats.running + stats.waiting).toBe(0);
}
