/**
 * The engine requests behind one API request (its choices, and for the completions API its
 * prompts): queued in the same turn, so the step loop batches them from their first step; ended
 * together when the caller aborts or one of them is refused; awaited together. Choice i of a
 * seeded request draws with its own seed (choiceSeed), as in vLLM's parallel sampling.
 */
import type { Engine, OutputListener } from '../engine/engine.ts';
import type { EngineRequest, RequestResult } from '../engine/engine-types.ts';
import { LlmError } from '../errors.ts';

export class ChoiceBatch {
  private readonly ids: string[] = [];
  private readonly results: Promise<RequestResult>[] = [];
  private readonly admissions: Promise<void>[] = [];
  private cancelled = false;

  constructor(private readonly engine: Engine) {}

  /** True once the batch was aborted: listeners must not emit anything after that. */
  get aborted(): boolean {
    return this.cancelled;
  }

  /**
   * Queues one request; the engine throws (synchronously) a typed error for a bad one, or rejects
   * later (a grammar that does not compile): then the others leave too.
   */
  add(request: EngineRequest, listener: OutputListener): void {
    let admitted!: () => void;
    const admission = new Promise<void>((resolve) => (admitted = resolve));
    const result = this.engine.submit(request, listener, admitted);
    result.catch(() => this.abort());
    this.results.push(result);
    // Refused before it joined (a grammar that does not compile): the admission fails with it.
    this.admissions.push(Promise.race([admission, result.then(() => undefined)]));
    this.ids.push(request.id);
  }

  /** Resolves once every request joined the engine's batch; rejects with the first refusal. */
  async admitted(): Promise<void> {
    await Promise.all(this.admissions);
  }

  /** Ends every request of the batch at the next step and frees their blocks. */
  readonly abort = (): void => {
    this.cancelled = true;
    for (const id of this.ids) this.engine.abort(id);
  };

  /** Every request's result, in the order added; rejects with `aborted` if `signal` fired. */
  async settle(signal: AbortSignal | undefined): Promise<RequestResult[]> {
    if (signal?.aborted === true) this.abort();
    signal?.addEventListener('abort', this.abort, { once: true });
    try {
      const settled = await Promise.all(this.results);
      if (this.cancelled) throw new LlmError('aborted', 'the request was aborted', undefined);
      return settled;
    } finally {
      signal?.removeEventListener('abort', this.abort);
    }
  }
}

/** seed + index, wrapped back into the safe integers past 2^53 (any seed is valid, so every choice's must be). */
export function choiceSeed(seed: number, index: number): number {
  const sum = BigInt(seed) + BigInt(index);
  return Number(sum > BigInt(Number.MAX_SAFE_INTEGER) ? sum - 2n ** 53n : sum);
}
