/**
 * A model that fails numerically for one request: NaN written into the embedding row of one
 * token (on the GPU, after a clean load) makes every logit of a request whose prompt holds that
 * token NaN. That request ends with LlmError 'numerical_error' (status 500), not a token 0 or a
 * grammar "bug"; a request running beside it in the same steps gets the tokens it gets alone, a
 * constrained one too, and afterwards no KV block is held and the freed blocks serve again.
 * qwen3-f32: untied, so the NaN row is not also a row of the LM head. A small KV pool, so the
 * failed request's blocks are reused by the requests after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenConstraint } from '../../src/constraint/token-constraint.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, RequestResult } from '../../src/engine/engine-types.ts';
import { isLlmError } from '../../src/errors.ts';
import { writeMatrixRows, type PackedMatrix } from '../../src/gpu/packed-weights.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import { testGpu } from '../support/gpu-harness.ts';
import { Random } from '../support/random.ts';

const fixture = new URL('../fixtures/qwen3-f32/', import.meta.url).pathname;
const vocab = 656; // tokens the prompts draw from (the tokenizer's)
let model: LoadedModel;
let healthy: RequestResult;
/** A token neither in the healthy request's prompt nor in its output: its embedding row turns NaN. */
let badToken: number;

const random = new Random(41);
const prompt = (length: number) => Array.from({ length }, () => random.int(0, vocab - 1));
const goodPrompt = prompt(37);
const good = (id: string): EngineRequest => ({ id, promptIds: goodPrompt, sampling: { maxTokens: 12, temperature: 0, ignoreEos: true } });
const bad = (id: string, at: number): EngineRequest => {
  const promptIds = prompt(20);
  promptIds[at] = badToken;
  return { id, promptIds, sampling: { maxTokens: 12, temperature: 0, ignoreEos: true } };
};

/** Every token allowed: a constraint that records what it was given, to show the NaN row never reaches it. */
function allowAll(accepted: number[]): TokenConstraint {
  return {
    fillNextTokenBitmask: (mask) => void mask.fill(0xffffffff),
    acceptToken: (token) => (accepted.push(token), true),
    isTerminated: () => false,
    dispose: () => undefined,
  };
}

beforeAll(async () => {
  model = await loadModel(await testGpu(), fixture, { maxNumSeqs: 4, maxModelLen: 128, numKvBlocks: 10 });
  healthy = await new Engine(model).submit(good('alone'));
  const used = new Set([...goodPrompt, ...healthy.completionIds]);
  badToken = Array.from({ length: vocab }, (_, token) => token).find((token) => token > 0 && !used.has(token))!;
  // After the load (which refuses NaN in files): the embedding row of badToken becomes NaN.
  const embed = model.runner.weights.embed as PackedMatrix;
  expect(embed.chunks, 'an f16 embedding').toBeDefined();
  writeMatrixRows(model.gpu.device, embed, badToken, new Uint16Array(model.config.hiddenSize).fill(0x7e00));
});
afterAll(() => model?.dispose());

async function outcome(pending: Promise<RequestResult>): Promise<RequestResult | unknown> {
  return pending.then((result) => result, (error: unknown) => error);
}

describe('a request whose logits are NaN', () => {
  it('ends with numerical_error while the request beside it gets its solo tokens; no block is held after', async () => {
    const engine = new Engine(model);
    const [failed, served] = await Promise.all([outcome(engine.submit(bad('nan', 5))), outcome(engine.submit(good('beside')))]);
    expect(isLlmError(failed, 'numerical_error'), String(failed)).toBe(true);
    const error = failed as { status: number; message: string; error: { type: string } };
    expect(error.status).toBe(500);
    expect(error.error.type).toBe('server_error');
    expect(error.message).toMatch(/request nan: the model produced NaN or infinite logits for this request/);
    expect((served as RequestResult).completionIds).toEqual(healthy.completionIds);
    const stats = engine.stats();
    expect(stats.blocksFree).toBe(stats.blocksTotal);
    expect(stats.running + stats.waiting).toBe(0);
  });

  it('a constrained request fails the same way (its grammar never sees a token), and the freed blocks serve again', async () => {
    const accepted: number[] = [];
    const engine = new Engine(model, { compileConstraint: () => allowAll(accepted) });
    const constrained: EngineRequest = { ...bad('nan-constrained', 0), constraint: { kind: 'json_object' } };
    const [failed, served] = await Promise.all([outcome(engine.submit(constrained)), outcome(engine.submit(good('beside-2')))]);
    expect(isLlmError(failed, 'numerical_error'), String(failed)).toBe(true);
    expect(accepted).toEqual([]);
    expect((served as RequestResult).completionIds).toEqual(healthy.completionIds);
    // Three more in a row through the same 10 blocks: every one of them reuses the failed requests' blocks.
    for (const id of ['after-1', 'after-2', 'after-3']) expect((await engine.submit(good(id))).completionIds).toEqual(healthy.completionIds);
    expect(engine.stats().blocksFree).toBe(engine.stats().blocksTotal);
  });
});
