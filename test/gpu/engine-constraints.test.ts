/**
 * Constrained decoding through the engine on the random-weight qwen2-bf16 fixture: whatever the
 * weights, greedy or sampled, the output parses and validates (ajv, independent of XGrammar) and
 * ends with finish 'stop'. Unconstrained requests in the same batch are unchanged; preemption
 * changes nothing; bad specs are typed errors; a token the grammar refuses fails only its
 * request; every constraint is disposed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConstraintSpec } from '../../src/constraint/constraint-spec.ts';
import { createModelConstraintCompiler } from '../../src/constraint/model-constraints.ts';
import type { ConstraintCompiler, TokenConstraint } from '../../src/constraint/token-constraint.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, RequestResult } from '../../src/engine/engine-types.ts';
import type { SamplingParams } from '../../src/engine/sampling-params.ts';
import { isLlmError } from '../../src/errors.ts';
import { loadModel, type LoadedModel, type LoadModelOptions } from '../../src/model/load-model.ts';
import { completions, randomPrompt, runTogether } from '../support/engine-runs.ts';
import { parseHermesCalls, recordSchema, schemaErrors, searchTool, toolCallErrors, weatherTool } from '../support/constraint-cases.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';

const fixture = new URL('../fixtures/qwen2-bf16/', import.meta.url).pathname;
const models: LoadedModel[] = [];
let compiler: ConstraintCompiler;
let m: LoadedModel;

async function model(options: LoadModelOptions = {}): Promise<LoadedModel> {
  const loaded = await loadModel(await testGpu(), fixture, { maxNumSeqs: 16, maxModelLen: 512, ...options });
  models.push(loaded);
  return loaded;
}

beforeAll(async () => {
  m = await model();
  compiler = createModelConstraintCompiler(m);
});
afterAll(() => {
  compiler?.dispose();
  models.forEach((loaded) => loaded.dispose());
});

/** Counts the constraints made and disposed. */
function counting(inner: ConstraintCompiler) {
  const counts = { made: 0, disposed: 0 };
  const compileConstraint = async (spec: ConstraintSpec): Promise<TokenConstraint> => {
    const constraint = await inner.compile(spec);
    counts.made++;
    let disposed = false;
    return {
      fillNextTokenBitmask: (mask) => constraint.fillNextTokenBitmask(mask),
      acceptToken: (id) => constraint.acceptToken(id),
      isTerminated: () => constraint.isTerminated(),
      ready: () => constraint.ready?.(),
      dispose: () => {
        if (!disposed) counts.disposed++;
        disposed = true;
        constraint.dispose();
      },
    };
  };
  return { counts, compileConstraint };
}

const prompt = () => m.tokenizer!.encode('<|im_start|>user\nAnswer in JSON.<|im_end|>\n<|im_start|>assistant\n');
const samplings = [{ temperature: 0 }, { temperature: 1, seed: 1 }, { temperature: 1, seed: 2 }, { temperature: 1, seed: 3 }];
const tools = [weatherTool, searchTool];
/**
 * Free-form JSON on random weights rarely ends by itself (greedy repeats one token in a string or
 * a number forever): closing tokens are made likelier and repeats dearer. The mask guarantees
 * validity, not termination.
 */
const closeSooner = (): Partial<SamplingParams> => ({
  logitBias: Object.fromEntries(['"', '}', '"}', '",'].map((token) => [m.tokenizer!.tokenId(token)!, 8])),
  frequencyPenalty: 1,
});
const cases: { name: string; constraint: ConstraintSpec; nudge?: () => Partial<SamplingParams>; check(text: string): string | undefined }[] = [
  { name: 'schema', constraint: { kind: 'json_schema', schema: recordSchema }, check: (text) => schemaErrors(recordSchema, JSON.parse(text)) },
  {
    name: 'object',
    constraint: { kind: 'json_object' },
    nudge: closeSooner,
    check: (text) => {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : `not an object: ${text}`;
    },
  },
  { name: 'calls', constraint: { kind: 'tool_calls', format: 'hermes', tools, parallel: true }, check: (text) => toolCallErrors(parseHermesCalls(text), tools) },
  {
    name: 'one-call',
    constraint: { kind: 'tool_calls', format: 'hermes', tools, parallel: false },
    check: (text) => {
      const calls = parseHermesCalls(text);
      return calls.length === 1 ? toolCallErrors(calls, tools) : `${calls.length} calls`;
    },
  },
];
const constrained = (maxTokens: number): EngineRequest[] => cases.flatMap(({ name, constraint, nudge }) =>
  samplings.map((sampling, i) => ({ id: `${name}-${i}`, promptIds: prompt(), sampling: { ...nudge?.(), maxTokens, ...sampling }, constraint })));

/** Each constrained result's text (EOS dropped) with its verdict. */
function verdicts(results: Map<string, RequestResult>): { id: string; text: string; finish: string; error: string | undefined }[] {
  return cases.flatMap(({ name, check }) => samplings.map((_, i) => {
    const result = results.get(`${name}-${i}`)!;
    const text = m.tokenizer!.decode(result.completionIds, { skipSpecialTokens: true });
    let error: string | undefined;
    try {
      error = check(text);
    } catch (thrown) {
      error = String(thrown);
    }
    return { id: result.id, text, finish: result.finishReason, error };
  }));
}

describe('constrained decoding on qwen2-bf16 (random weights)', () => {
  it('json_schema, json_object and hermes tool calls: greedy and 3 seeds all parse, validate and stop', async () => {
    const { counts, compileConstraint } = counting(compiler);
    const run = await runTogether(m, constrained(300), { compileConstraint });
    for (const verdict of verdicts(run.results)) console.log(`[constraint] ${verdict.id} (${verdict.finish}): ${verdict.text}`);
    for (const verdict of verdicts(run.results)) {
      expect(verdict.finish, verdict.id).toBe('stop');
      expect(verdict.error, `${verdict.id}: ${verdict.text}`).toBeUndefined();
    }
    // The seeds make different outputs: the mask constrains, it does not decide.
    expect(new Set(samplings.map((_, i) => verdicts(run.results)[i]!.text)).size).toBeGreaterThan(2);
    expect(counts).toEqual({ made: 16, disposed: 16 });
    expect(run.stats.blocksFree).toBe(run.stats.blocksTotal);
  });

  it('unconstrained requests batched beside constrained ones get the tokens they get alone', async () => {
    const random = new Random(41);
    const plain = Array.from({ length: 4 }, (_, i): EngineRequest => ({
      id: `plain${i}`, promptIds: randomPrompt(random, random.int(4, 30), 656), sampling: { maxTokens: 40, ignoreEos: true, ...samplings[i]! },
    }));
    const alone = await runTogether(m, plain);
    const mixed = await runTogether(m, [...plain.slice(0, 2), ...constrained(60).filter((_, i) => i % 3 === 0), ...plain.slice(2)], counting(compiler));
    const expected = completions(alone.results);
    for (const request of plain) expect(mixed.results.get(request.id)!.completionIds, request.id).toEqual(expected[request.id]);
  });

  it('a KV pool too small for the batch preempts constrained requests without changing their outputs', async () => {
    const requests = constrained(100).filter((_, i) => i % 2 === 1);
    const roomy = await runTogether(m, requests, counting(compiler));
    const tightModel = await model({ numKvBlocks: 12 });
    const tight = await runTogether(tightModel, requests, counting(compiler));
    console.log(`[constraint] 12-block pool: ${tight.stats.preemptions} preemptions in ${tight.stats.steps} steps`);
    expect(tight.stats.preemptions).toBeGreaterThan(0);
    expect(completions(tight.results)).toEqual(completions(roomy.results));
    expect(tight.stats.blocksFree).toBe(12);
  });

  it('bad constraints are typed errors that change nothing; the engine keeps serving', async () => {
    const { counts, compileConstraint } = counting(compiler);
    const engine = new Engine(m, { compileConstraint });
    const good = constrained(40).filter((_, i) => i % 4 === 1);
    const pending = good.map((request) => engine.submit(request));
    const bad: [ConstraintSpec, string, string][] = [
      [{ kind: 'json_schema', schema: { type: 'object', properties: { a: { type: 'nonsense' } } } }, 'invalid_argument', 'response_format'],
      [{ kind: 'tool_calls', format: 'hermes', tools: [{ name: 'f', parameters: { type: 'integer', minimum: 3, maximum: 1 } }], parallel: true }, 'invalid_argument', 'tools'],
      [{ kind: 'xml' } as unknown as ConstraintSpec, 'invalid_argument', 'constraint'],
    ];
    for (const [constraint, code, subject] of bad) {
      let thrown: unknown;
      try {
        await engine.submit({ id: 'bad', promptIds: prompt(), sampling: { maxTokens: 5 }, constraint });
      } catch (error) {
        thrown = error;
      }
      expect(isLlmError(thrown, code as 'invalid_argument'), String(thrown)).toBe(true);
      expect((thrown as { subject: string }).subject).toBe(subject);
    }
    let unsupported: unknown;
    try {
      await new Engine(m).submit({ id: 'x', promptIds: prompt(), sampling: { maxTokens: 5 }, constraint: { kind: 'json_object' } });
    } catch (error) {
      unsupported = error;
    }
    expect(isLlmError(unsupported, 'unsupported_option')).toBe(true);
    const results = await Promise.all(pending);
    const alone = await runTogether(m, good, { compileConstraint });
    expect(completions(new Map(results.map((result) => [result.id, result])))).toEqual(completions(alone.results));
    expect(engine.stats().blocksFree).toBe(engine.stats().blocksTotal);
    expect(counts.disposed).toBe(counts.made);
  });

  it('a sampled token the grammar refuses fails only its request; aborts dispose constraints', async () => {
    const { counts, compileConstraint } = counting(compiler);
    let accepted = 0;
    // A broken constraint: allows every token, then refuses the third.
    const broken: TokenConstraint = {
      fillNextTokenBitmask: (mask) => mask.fill(0xffffffff),
      acceptToken: () => ++accepted < 3,
      isTerminated: () => false,
      dispose: () => undefined,
    };
    const brokenSpec: ConstraintSpec = { kind: 'json_object' };
    const engine = new Engine(m, { compileConstraint: (spec) => (spec === brokenSpec ? broken : compileConstraint(spec)) });
    const others = constrained(30).filter((_, i) => i % 4 === 2 && i > 4);
    const pending = others.map((request) => engine.submit(request));
    const failing = engine.submit({ id: 'broken', promptIds: prompt(), sampling: { maxTokens: 20 }, constraint: brokenSpec });
    const aborted = engine.submit({ ...others[0]!, id: 'aborted' });
    engine.abort('aborted');
    await expect(failing).rejects.toThrow(/grammar does not allow/);
    expect((await aborted).finishReason).toBe('abort');
    for (const result of await Promise.all(pending)) expect(result.finishReason).not.toBe('abort');
    expect(counts.disposed).toBe(counts.made);
    expect(engine.stats().blocksFree).toBe(engine.stats().blocksTotal);
  });
});
