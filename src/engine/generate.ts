/**
 * Greedy generation for one sequence: one request to the model's Engine (the most recently made
 * one, which may be serving others: the request joins its batch and takes blocks from its block
 * manager), or, when the model has none yet, to one made here without prefix caching, so every
 * call computes its whole prompt. Only Engines write the KV pool (kv-pool-lease.ts). Each step is
 * a forward and a sampling submission and one readback of the sampled id; a prompt is prefilled in chunks of at most
 * the step's token budget.
 */
import { LlmError } from '../errors.ts';
import type { LoadedModel } from '../model/load-model.ts';
import { Engine } from './engine.ts';
import type { EngineRequest, RequestOutput } from './engine-types.ts';

export interface GenerateOptions {
  readonly promptIds: readonly number[];
  readonly maxTokens: number;
  /** Called with each new token id as soon as it is read back. */
  readonly onToken?: (tokenId: number) => void;
  /** Extra ids that end generation (the model's EOS ids always do unless ignoreEos). */
  readonly stopTokenIds?: readonly number[];
  readonly ignoreEos?: boolean;
  /** Also return the logits that chose the first completion token. */
  readonly returnFirstLogits?: boolean;
}

export interface GenerateResult {
  readonly completionIds: number[];
  readonly finishReason: 'stop' | 'length';
  readonly firstLogits: Float32Array | undefined;
}

let calls = 0;

export async function generate(model: LoadedModel, options: GenerateOptions): Promise<GenerateResult> {
  const engine = Engine.of(model) ?? new Engine(model, { enablePrefixCaching: false });
  const id = `generate-${calls++}`;
  // A throwing onToken ends the request and rejects the call, as a throwing callback should.
  let listenerError: { error: unknown } | undefined;
  const { onToken } = options;
  const listener = onToken === undefined ? undefined : (output: RequestOutput) => {
    try {
      for (const tokenId of output.tokenIds) onToken(tokenId);
    } catch (error) {
      listenerError ??= { error };
      engine.abort(id);
    }
  };
  const result = await engine.submit(greedyRequest(id, options), listener);
  if (listenerError !== undefined) throw listenerError.error;
  // Someone aborted it through the engine (engine.abort with this id).
  if (result.finishReason === 'abort') throw new LlmError('aborted', `generate(): request ${id} was aborted`);
  return { completionIds: [...result.completionIds], finishReason: result.finishReason, firstLogits: result.firstLogits };
}

/** Greedy with nothing that changes the logits: generation_config.json's defaults do not apply. */
function greedyRequest(id: string, options: GenerateOptions): EngineRequest {
  return {
    id,
    promptIds: options.promptIds,
    sampling: {
      maxTokens: options.maxTokens,
      temperature: 0,
      topP: 1,
      topK: 0,
      minP: 0,
      repetitionPenalty: 1,
      presencePenalty: 0,
      frequencyPenalty: 0,
      seed: 0,
      ignoreEos: options.ignoreEos === true,
      stopTokenIds: options.stopTokenIds ?? [],
    },
    ...(options.returnFirstLogits === true ? { returnFirstLogits: true } : {}),
  };
}
