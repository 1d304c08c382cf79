/**
 * Grammars run on their own thread, and a schema cannot hurt the requests beside it:
 * - a schema deep enough to overflow XGrammar's wasm stack (which would silently corrupt it) is
 *   refused as a 400, the runtime is replaced, and a constrained request already decoding on the
 *   old runtime carries on (its grammar rebuilt on the new one) and still validates; the next
 *   constrained request succeeds;
 * - while a 5,000-property schema compiles, unconstrained streams keep their pace (inter-token
 *   gap within 2x of their gap before it).
 * On the random-weight qwen2-bf16 fixture; the request layer's own depth limits are bypassed
 * here (EngineRequests go straight to the engine) so the runtime itself is tested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConstraintSpec } from '../../src/constraint/constraint-spec.ts';
import { createModelConstraintCompiler } from '../../src/constraint/model-constraints.ts';
import { ThreadedConstraintCompiler } from '../../src/constraint/threaded-compiler.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, RequestOutput } from '../../src/engine/engine-types.ts';
import { isLlmError } from '../../src/errors.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import { qwenFixture, recordSchema, schemaErrors } from '../support/constraint-cases.ts';
import { testGpu } from '../support/gpu-harness.ts';

let m: LoadedModel;
let compiler: ThreadedConstraintCompiler;

beforeAll(async () => {
  const gpu = await testGpu();
  console.log(`[webgpu] adapter: ${gpu.adapterName}`);
  m = await loadModel(gpu, qwenFixture.pathname, { maxNumSeqs: 16, maxModelLen: 8192 });
  compiler = createModelConstraintCompiler(m) as ThreadedConstraintCompiler;
  expect(compiler).toBeInstanceOf(ThreadedConstraintCompiler);
  await compiler.thread.start();
});
afterAll(() => {
  compiler?.dispose();
  m?.dispose();
});

const prompt = () => m.tokenizer!.encode('<|im_start|>user\nAnswer in JSON.<|im_end|>\n<|im_start|>assistant\n');

function nested(kind: 'properties' | 'items' | 'refs', depth: number): Record<string, unknown> {
  if (kind === 'refs') {
    const defs: Record<string, unknown> = { [`d${depth}`]: { type: 'string' } };
    for (let i = 0; i < depth; i++) defs[`d${i}`] = { type: 'object', properties: { x: { $ref: `#/$defs/d${i + 1}` } } };
    return { $ref: '#/$defs/d0', $defs: defs };
  }
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < depth; i++) {
    schema = kind === 'items' ? { type: 'array', items: schema } : { type: 'object', properties: { a: schema }, required: ['a'] };
  }
  return schema;
}

async function refusal(engine: Engine, constraint: ConstraintSpec): Promise<unknown> {
  try {
    await engine.submit({ id: `deep-${Math.random()}`, promptIds: prompt(), sampling: { maxTokens: 5 }, constraint });
  } catch (error) {
    return error;
  }
  throw new Error('the deep schema was accepted');
}

describe('grammar isolation (qwen2-bf16, random weights)', () => {
  it('stack-overflowing schemas are 400s; the runtime is replaced; requests beside them and after them are unharmed', async () => {
    const engine = new Engine(m, { compileConstraint: (spec) => compiler.compile(spec) });
    // A constrained request decoding while the runtime dies under it.
    let survivorTokens = 0;
    let tokensSeen!: () => void;
    const decoding = new Promise<void>((resolve) => (tokensSeen = resolve));
    const survivor = engine.submit(
      { id: 'survivor', promptIds: prompt(), sampling: { maxTokens: 300, temperature: 0 }, constraint: { kind: 'json_schema', schema: recordSchema } },
      (output: RequestOutput) => {
        survivorTokens += output.tokenIds.length;
        if (survivorTokens >= 3) tokensSeen();
      },
    );
    await decoding;
    const restartsBefore = compiler.thread.restarts;
    const deep: [string, Record<string, unknown>][] = [['properties 60', nested('properties', 60)], ['$ref chain 45', nested('refs', 45)], ['items 200', nested('items', 200)]];
    for (const [name, schema] of deep) {
      const error = await refusal(engine, { kind: 'json_schema', schema });
      console.log(`[grammar] ${name}: ${String((error as Error).message)}`);
      expect(isLlmError(error, 'invalid_argument'), `${name}: ${String(error)}`).toBe(true);
      expect((error as { subject: string }).subject).toBe('response_format');
      expect((error as Error).message).toMatch(/nested too deeply/);
      expect((error as Error).message).not.toMatch(/[\u0000-\u0008\u000e-\u001f\ufffd]/);
    }
    expect(compiler.thread.restarts - restartsBefore).toBe(deep.length);

    const survived = await survivor;
    const survivorText = m.tokenizer!.decode(survived.completionIds, { skipSpecialTokens: true });
    console.log(`[grammar] survivor (${survived.finishReason}, ${survived.completionIds.length} tokens): ${survivorText}`);
    expect(survived.finishReason).toBe('stop');
    expect(schemaErrors(recordSchema, JSON.parse(survivorText))).toBeUndefined();

    const next = await engine.submit({ id: 'next', promptIds: prompt(), sampling: { maxTokens: 300, temperature: 1, seed: 5 }, constraint: { kind: 'json_schema', schema: recordSchema } });
    const nextText = m.tokenizer!.decode(next.completionIds, { skipSpecialTokens: true });
    expect(next.finishReason).toBe('stop');
    expect(schemaErrors(recordSchema, JSON.parse(nextText))).toBeUndefined();
    expect(engine.stats().blocksUsed).toBe(0);
    expect(await compiler.thread.size()).toBe(0);
  });

  it('while a 5,000-property schema compiles, unconstrained streams keep within 2x of their inter-token gap', async () => {
    let compileStarted = 0;
    let compileEnded = 0;
    const engine = new Engine(m, {
      compileConstraint: async (spec) => {
        compileStarted = performance.now();
        try {
          return await compiler.compile(spec);
        } finally {
          compileEnded = performance.now();
        }
      },
    });
    const stamps: number[] = [];
    const waiters: { count: number; resolve: () => void }[] = [];
    const tokensReach = (count: number) => new Promise<void>((resolve) => waiters.push({ count, resolve }));
    const plain: EngineRequest[] = [0, 1].map((i) => ({ id: `plain${i}`, promptIds: prompt(), sampling: { maxTokens: 8000, ignoreEos: true, temperature: 1, seed: i } }));
    const streams = plain.map((request) => engine.submit(request, (output) => {
      if (request.id !== 'plain0') return;
      // A stream that ends early releases every wait (the gap check then fails, not hangs).
      if (output.finishReason !== undefined) waiters.forEach((waiter) => waiter.resolve());
      if (output.tokenIds.length === 0) return;
      stamps.push(performance.now());
      for (const waiter of waiters) if (stamps.length === waiter.count) waiter.resolve();
    }));
    await tokensReach(70);
    const properties: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) properties[`field_${i}`] = { type: ['string', 'integer', 'boolean'][i % 3] };
    const big = await engine.submit({ id: 'big', promptIds: prompt(), sampling: { maxTokens: 8 }, constraint: { kind: 'json_schema', schema: { type: 'object', properties, required: Object.keys(properties) } } });
    const afterBig = stamps.length;
    await tokensReach(afterBig + 60);
    for (const request of plain) engine.abort(request.id);
    await Promise.all(streams);

    // Gaps between plain0's tokens, by when the later token came; medians, as other processes share these cores.
    const gaps = (from: number, to: number) => stamps.slice(1).map((t, i) => [t, t - stamps[i]!] as const).filter(([t]) => t > from && t <= to).map(([, gap]) => gap);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    const normal = [...gaps(stamps[10]!, compileStarted), ...gaps(compileEnded, Infinity)];
    const during = gaps(compileStarted, compileEnded);
    console.log(`[grammar] 5,000-property schema compiled in ${(compileEnded - compileStarted).toFixed(0)} ms; plain stream's inter-token gap: median ${median(normal).toFixed(1)} ms outside the compile (${normal.length} gaps), ${median(during).toFixed(1)} ms during it (${during.length} gaps, max ${Math.max(...during).toFixed(1)} ms)`);
    expect(big.completionIds.length).toBeGreaterThan(0);
    expect(compileEnded - compileStarted).toBeGreaterThan(500);
    expect(during.length).toBeGreaterThan(5);
    expect(stamps.length).toBeGreaterThanOrEqual(afterBig + 60);
    expect(median(during)).toBeLessThan(2 * median(normal));
    expect(engine.stats().blocksUsed).toBe(0);
  });
});
