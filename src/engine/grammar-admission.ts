/**
 * Constrained requests on their way into the engine: their grammars compile (on the grammar
 * thread, asynchronously) before they join the batch, so the step loop never waits for a
 * compile; an abort that comes meanwhile is remembered and the compiled grammar thrown away.
 * And before a step samples constrained rows, their masks must have arrived: `awaitMasks`.
 */
import type { ConstraintSpec } from '../constraint/constraint-spec.ts';
import type { TokenConstraint } from '../constraint/token-constraint.ts';
import { LlmError } from '../errors.ts';
import type { Sequence } from './sequence.ts';

export type CompileConstraint = (spec: ConstraintSpec) => TokenConstraint | Promise<TokenConstraint>;

export class GrammarAdmission {
  private readonly compiling = new Map<string, { aborted: boolean }>();

  constructor(private readonly compileConstraint: CompileConstraint | undefined) {}

  /** Whether request `id` is compiling its grammar. */
  has(id: string): boolean {
    return this.compiling.has(id);
  }

  get ids(): string[] {
    return [...this.compiling.keys()];
  }

  /** Marks a compiling request aborted; false if `id` is not compiling. */
  abort(id: string): boolean {
    const entry = this.compiling.get(id);
    if (entry === undefined) return false;
    entry.aborted = true;
    return true;
  }

  /** The request's compiled constraint; undefined when it was aborted meanwhile (nothing is kept). */
  async prepare(id: string, spec: ConstraintSpec): Promise<TokenConstraint | undefined> {
    const entry = { aborted: false };
    this.compiling.set(id, entry);
    try {
      const constraint = await this.compile(spec);
      if (!entry.aborted) return constraint;
      constraint.dispose();
      return undefined;
    } finally {
      this.compiling.delete(id);
    }
  }

  /** A compiler that answers synchronously (for addRequest); throws if it does not. */
  compileNow(spec: ConstraintSpec): TokenConstraint {
    const constraint = this.compile(spec);
    if (!(constraint instanceof Promise)) return constraint;
    void constraint.then((made) => made.dispose(), () => undefined);
    throw new Error('this engine compiles grammars asynchronously: submit constrained requests with submit()');
  }

  private compile(spec: ConstraintSpec): TokenConstraint | Promise<TokenConstraint> {
    if (this.compileConstraint === undefined) {
      throw new LlmError('unsupported_option', 'constrained decoding (response_format, tool_choice) needs a constraint compiler, and this engine has none', 'constraint');
    }
    return this.compileConstraint(spec);
  }
}

/** Waits until every constrained sequence's next mask is known; returns those whose grammar failed. */
export async function awaitMasks(seqs: readonly Sequence[]): Promise<Map<Sequence, unknown>> {
  const failed = new Map<Sequence, unknown>();
  const waits = seqs.flatMap((seq) => {
    const ready = seq.constraint?.ready?.();
    return ready === undefined ? [] : [ready.catch((error: unknown) => void failed.set(seq, error))];
  });
  if (waits.length > 0) await Promise.all(waits);
  return failed;
}
