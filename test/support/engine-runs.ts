/** Running sets of requests through an Engine in tests: all at once, or each alone. */
import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import type { EngineRequest, EngineStats, RequestOutput, RequestResult, StepStats } from '../../src/engine/engine-types.ts';
import type { LoadedModel } from '../../src/model/load-model.ts';
import { Random } from './random.ts';

export interface BatchRun {
  readonly results: Map<string, RequestResult>;
  readonly stats: EngineStats;
  readonly steps: StepStats[];
  /** Per step, the requests that received a token in it. */
  readonly tokensPerStep: string[][];
}

/** Submits every request at once and waits for all of them. */
export async function runTogether(model: LoadedModel, requests: readonly EngineRequest[], options: EngineOptions = {}): Promise<BatchRun> {
  const steps: StepStats[] = [];
  const tokensPerStep: string[][] = [];
  let current: string[] = [];
  const engine = new Engine(model, {
    ...options,
    onStep: (stats) => {
      steps.push(stats);
      tokensPerStep.push(current);
      current = [];
    },
  });
  const onOutput = (output: RequestOutput) => {
    if (output.tokenIds.length > 0) current.push(output.requestId);
  };
  const results = await Promise.all(requests.map((request) => engine.submit(request, onOutput)));
  return { results: new Map(results.map((result) => [result.id, result])), stats: engine.stats(), steps, tokensPerStep };
}

/** Each request in an engine of its own; returns the results and the total number of steps. */
export async function runAlone(model: LoadedModel, requests: readonly EngineRequest[]): Promise<{ results: Map<string, RequestResult>; steps: number }> {
  const results = new Map<string, RequestResult>();
  let steps = 0;
  for (const request of requests) {
    const run = await runTogether(model, [request]);
    results.set(request.id, run.results.get(request.id)!);
    steps += run.stats.steps;
  }
  return { results, steps };
}

export function randomPrompt(random: Random, length: number, vocab: number): number[] {
  return Array.from({ length }, () => random.int(0, vocab - 1));
}

export const completions = (results: Map<string, RequestResult>) =>
  Object.fromEntries([...results].map(([id, result]) => [id, [...result.completionIds]]));
