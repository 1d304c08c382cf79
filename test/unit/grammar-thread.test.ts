/**
 * The grammar thread on its own (no GPU), on a worker thread and in this thread: a constraint
 * made there gives the masks of the in-thread XGrammarCompiler token by token; a schema that would
 * overflow XGrammar's stack is a typed 400 and replaces the runtime; a constraint decoding when
 * its thread dies (overflow elsewhere, or the thread killed) carries on on the next one with the
 * same masks; released constraints leave nothing behind; a grammar with no first token is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConstraintSpec } from '../../src/constraint/constraint-spec.ts';
import { spawnGrammarLink, spawnInThread, type GrammarSpawner } from '../../src/constraint/grammar-thread.ts';
import { ThreadedConstraintCompiler } from '../../src/constraint/threaded-compiler.ts';
import { maskWords, type TokenConstraint } from '../../src/constraint/token-constraint.ts';
import { createXGrammarCompiler, type XGrammarCompiler } from '../../src/constraint/xgrammar-compiler.ts';
import { isLlmError } from '../../src/errors.ts';
import type { TextTokenizer } from '../../src/text/tokenizer.ts';
import { qwenStopIds, qwenTokenizer, qwenVocabSize, recordSchema } from '../support/constraint-cases.ts';

let tokenizer: TextTokenizer;
let reference: XGrammarCompiler;
const record: ConstraintSpec = { kind: 'json_schema', schema: recordSchema };
const document = '{"color": "green", "count": 42, "label": "a b!", "tags": [{"id": 3, "on": true}]}';

beforeAll(async () => {
  tokenizer = qwenTokenizer();
  reference = await createXGrammarCompiler({ tokenizer, stopTokenIds: qwenStopIds, vocabSize: qwenVocabSize });
});
afterAll(() => reference?.dispose());

function deep(depth: number): ConstraintSpec {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { a: schema }, required: ['a'] };
  return { kind: 'json_schema', schema };
}

const maskOf = (constraint: TokenConstraint) => {
  const bits = new Uint32Array(maskWords(qwenVocabSize));
  constraint.fillNextTokenBitmask(bits);
  return bits;
};

/** Feeds the document's tokens, calling `between(i)` before token i; each mask must equal the reference's. */
async function feedAndCompare(constraint: TokenConstraint, between: (i: number) => Promise<void> = async () => {}): Promise<void> {
  const expected = reference.compile(record);
  try {
    const ids = [...tokenizer.encode(document), qwenStopIds[0]];
    for (const [i, id] of ids.entries()) {
      await between(i);
      await constraint.ready?.();
      expect(maskOf(constraint), `mask before token ${i}`).toEqual(maskOf(expected));
      expect(constraint.acceptToken(id)).toBe(true);
      expected.acceptToken(id);
    }
    expect(constraint.isTerminated()).toBe(true);
  } finally {
    expected.dispose();
    constraint.dispose();
  }
}

const spawners: [string, GrammarSpawner][] = [['worker thread', spawnGrammarLink], ['this thread', spawnInThread]];

describe.each(spawners)('grammar thread (%s)', (_, spawn) => {
  let compiler: ThreadedConstraintCompiler;
  beforeAll(async () => {
    compiler = new ThreadedConstraintCompiler({ vocabulary: tokenizer.vocabulary(), stopTokenIds: qwenStopIds, vocabSize: qwenVocabSize }, spawn);
    await compiler.thread.start();
  });
  afterAll(() => compiler?.dispose());

  it('gives the in-thread compiler\'s masks token by token, and releases what it made', async () => {
    await feedAndCompare(await compiler.compile(record));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await compiler.thread.size()).toBe(0);
  });

  it('a schema that would overflow the stack is a 400 and a new runtime; a decoding constraint carries on', async () => {
    const survivor = await compiler.compile(record);
    const restarts = compiler.thread.restarts;
    await feedAndCompare(survivor, async (i) => {
      if (i !== 5) return;
      const error = await compiler.compile(deep(80)).then(() => undefined, (thrown: unknown) => thrown);
      expect(isLlmError(error, 'invalid_argument'), String(error)).toBe(true);
      expect((error as { subject: string }).subject).toBe('response_format');
    });
    expect(compiler.thread.restarts).toBe(restarts + 1);
    await feedAndCompare(await compiler.compile(record));
  });

  it('a compile queued behind one that breaks the runtime is retried on the next runtime', async () => {
    const [broken, queued] = await Promise.allSettled([compiler.compile(deep(80)), compiler.compile(record)]);
    expect(broken.status).toBe('rejected');
    expect(isLlmError((broken as PromiseRejectedResult).reason, 'invalid_argument')).toBe(true);
    expect(queued.status).toBe('fulfilled');
    await feedAndCompare((queued as PromiseFulfilledResult<TokenConstraint>).value);
  });

  it('a schema no output can match (only its own $ref defines it) is a 400, not a masked-out sampler', async () => {
    const error = await compiler.compile({ kind: 'json_schema', schema: { $ref: '#' } }).then(() => undefined, (thrown: unknown) => thrown);
    expect(isLlmError(error, 'invalid_argument'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/admits no value/);
  });

  it('a thread that dies mid-decode (killed) is replaced and the constraint carries on', async () => {
    const survivor = await compiler.compile(record);
    const restarts = compiler.thread.restarts;
    await feedAndCompare(survivor, async (i) => {
      if (i !== 3) return;
      const current = await (compiler.thread as unknown as { current: Promise<{ close(): void }> }).current;
      current.close();
    });
    expect(compiler.thread.restarts).toBe(restarts + 1);
  });
});
