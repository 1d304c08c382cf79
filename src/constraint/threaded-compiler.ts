/**
 * The ConstraintCompiler of a loaded model with its grammars on their own thread: compile() is
 * asynchronous and runs there, so the step loop keeps its pace while a large schema compiles,
 * and a failure of XGrammar's wasm costs only the requests whose grammars lived in it.
 */
import { checkConstraintSpec, constraintSubject, type ConstraintSpec } from './constraint-spec.ts';
import type { GrammarSetup } from './grammar-service.ts';
import { isLlmError, LlmError } from '../errors.ts';
import { GrammarStartError, GrammarThread, type GrammarSpawner } from './grammar-thread.ts';
import { RemoteConstraint } from './remote-constraint.ts';
import type { ConstraintCompiler, TokenConstraint } from './token-constraint.ts';

export class ThreadedConstraintCompiler implements ConstraintCompiler {
  readonly thread: GrammarThread;
  private readonly stopTokenIds: ReadonlySet<number>;

  constructor(setup: GrammarSetup, spawn?: GrammarSpawner) {
    this.thread = new GrammarThread(setup, spawn);
    this.stopTokenIds = new Set(setup.stopTokenIds);
  }

  async compile(spec: ConstraintSpec): Promise<TokenConstraint> {
    // Checked here too: a spec that cannot be sent (or is malformed) never reaches the thread.
    const checked = checkConstraintSpec(spec);
    let compiled;
    try {
      // A compile sent to a runtime that another request's schema just broke is tried once more, on the next one.
      compiled = await this.thread.compile(checked).catch((error: unknown) => {
        if (isLlmError(error, 'constraint_runtime_failed')) return this.thread.compile(checked);
        throw error;
      });
    } catch (error) {
      if (error instanceof GrammarStartError) {
        throw new LlmError('unsupported_option', `constrained decoding (response_format, tool_choice) is unavailable: ${error.message}`, 'constraint');
      }
      throw error;
    }
    const { mask, id } = compiled.start;
    if (mask !== undefined && mask.every((word) => word === 0)) {
      // A grammar with no first token (a schema only its own $ref defines): no output can match it.
      this.thread.release(compiled.link, id);
      const subject = constraintSubject(checked);
      throw new LlmError('invalid_argument', `${subject}: the JSON schema admits no value (its grammar allows no first token)`, subject);
    }
    return new RemoteConstraint(this.thread, checked, compiled, this.stopTokenIds);
  }

  /** Resolves once the grammar thread is gone. */
  dispose(): Promise<void> {
    return this.thread.close();
  }
}
