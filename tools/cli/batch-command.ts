/**
 * `batch`: every request of a JSONL file submitted to one engine at once, run with continuous
 * batching; prints one JSON object with each request's completion and the engine's statistics.
 * A bad request line becomes that request's `error` (the others still run).
 */
import { readFileSync } from 'node:fs';
import { Engine } from '../../src/engine/engine.ts';
import type { EngineRequest, RequestResult } from '../../src/engine/engine-types.ts';
import type { SamplingParams } from '../../src/engine/sampling-params.ts';
import { LlmError, isLlmError } from '../../src/errors.ts';
import { getDevice } from '../../src/gpu/device.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import { requireTokenizer } from '../../src/text/tokenizer.ts';

export const batchOptions = {
  model: { type: 'string' },
  requests: { type: 'string' },
  'max-num-seqs': { type: 'string' },
  'max-batched-tokens': { type: 'string' },
  'kv-blocks': { type: 'string' },
  'no-prefix-cache': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

interface BatchArgs {
  model?: string | undefined;
  requests?: string | undefined;
  'max-num-seqs'?: string | undefined;
  'max-batched-tokens'?: string | undefined;
  'kv-blocks'?: string | undefined;
  'no-prefix-cache'?: boolean | undefined;
  json?: boolean | undefined;
}

/** JSONL field → SamplingParams field. */
const samplingFields: Readonly<Record<string, keyof SamplingParams>> = {
  max_tokens: 'maxTokens',
  temperature: 'temperature',
  top_p: 'topP',
  top_k: 'topK',
  min_p: 'minP',
  repetition_penalty: 'repetitionPenalty',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
  logit_bias: 'logitBias',
  seed: 'seed',
  stop_token_ids: 'stopTokenIds',
  ignore_eos: 'ignoreEos',
};

type LineResult = { id: string; completion_ids: readonly number[]; finish_reason: string; cached_tokens: number } | { id: string; error: { code: string; message: string } };

export async function batchCommand(args: BatchArgs): Promise<void> {
  if (args.model === undefined) throw new LlmError('invalid_argument', '--model is required', 'model');
  if (args.requests === undefined) throw new LlmError('invalid_argument', '--requests <file.jsonl> is required', 'requests');
  const lines = readFileSync(args.requests, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const gpu = await getDevice();
  const model = await loadModel(gpu, args.model, {
    ...optionalInt(args['max-num-seqs'], 'max-num-seqs', 'maxNumSeqs'),
    ...optionalInt(args['max-batched-tokens'], 'max-batched-tokens', 'maxNumBatchedTokens'),
    ...optionalInt(args['kv-blocks'], 'kv-blocks', 'numKvBlocks'),
  });
  try {
    const engine = new Engine(model, { enablePrefixCaching: args['no-prefix-cache'] !== true });
    const pending = lines.map((line, index) => submitLine(engine, model, line, index));
    const results = await Promise.all(pending);
    const stats = engine.stats();
    const report = {
      results,
      stats: {
        steps: stats.steps,
        max_running: stats.maxRunning,
        prefix_cache_hit_tokens: stats.prefixCacheHitTokens,
        preemptions: stats.preemptions,
        blocks_total: stats.blocksTotal,
        blocks_free_after: stats.blocksFree,
      },
      adapter: gpu.adapterName,
    };
    process.stdout.write(`${JSON.stringify(report, null, args.json === true ? undefined : 2)}\n`);
  } finally {
    model.dispose();
  }
}

async function submitLine(engine: Engine, model: LoadedModel, line: string, index: number): Promise<LineResult> {
  const id = lineId(line, index);
  try {
    const request = parseLine(model, line, index);
    const result: RequestResult = await engine.submit(request);
    return { id, completion_ids: result.completionIds, finish_reason: result.finishReason, cached_tokens: result.numCachedTokens };
  } catch (error) {
    if (!isLlmError(error)) throw error;
    return { id, error: { code: error.code, message: error.message } };
  }
}

/** The line's own id when it has one, so even a refused line is reported under it. */
function lineId(line: string, index: number): string {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    if (id !== undefined && id !== null) return String(id);
  } catch {
    // Not JSON: parseLine reports why.
  }
  return `line-${index + 1}`;
}

function parseLine(model: LoadedModel, line: string, index: number): EngineRequest {
  const where = `request line ${index + 1}`;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new LlmError('invalid_argument', `${where} is not JSON: ${(error as Error).message}`, 'requests');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LlmError('invalid_argument', `${where} is not a JSON object`, 'requests');
  const fields = json as Record<string, unknown>;
  const sampling: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'id' || key === 'prompt' || key === 'prompt_ids') continue;
    const target = samplingFields[key];
    if (target === undefined) throw new LlmError('invalid_argument', `${where}: unknown field "${key}"`, key);
    sampling[target] = value;
  }
  const id = lineId(line, index);
  if ((fields['prompt'] === undefined) === (fields['prompt_ids'] === undefined)) {
    throw new LlmError('invalid_argument', `${where}: give exactly one of "prompt" and "prompt_ids"`, 'prompt');
  }
  const promptIds = typeof fields['prompt'] === 'string'
    ? requireTokenizer(model.tokenizer, model.location).encode(fields['prompt'])
    : (fields['prompt_ids'] as number[]);
  return { id, promptIds, sampling: sampling as unknown as SamplingParams };
}

function optionalInt<K extends string>(text: string | undefined, flag: string, key: K): Partial<Record<K, number>> {
  if (text === undefined) return {};
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new LlmError('invalid_argument', `--${flag} must be a positive integer, got '${text}'`, flag);
  return { [key]: value } as Partial<Record<K, number>>;
}
