/**
 * XGrammar behind a message boundary: what runs on the grammar thread (grammar-worker.ts). It
 * compiles specs (XGrammarCompiler caches them), keeps one matcher per constrained request, and
 * answers each accepted token with the next mask. The engine's step loop never runs XGrammar
 * itself, so a schema that takes seconds to compile delays its own request only.
 *
 * A failure that is not XGrammar refusing its input (a wasm trap, a stack overflow, memory out of
 * bounds) leaves the wasm's memory in an unknown state: the service declares itself dead, answers
 * nothing more, and its messages never quote the wasm's output (which may hold other requests'
 * data). The engine side replaces the thread.
 */
import { LlmError } from '../errors.ts';
import type { TokenizerVocabulary } from '../text/tokenizer.ts';
import { constraintSubject, type ConstraintSpec } from './constraint-spec.ts';
import { maskWords, type TokenConstraint } from './token-constraint.ts';
import { createXGrammarCompiler, type XGrammarCompiler } from './xgrammar-compiler.ts';
import { XGrammarStackOverflow, xgrammarGeneration } from './xgrammar-runtime.ts';

export interface GrammarSetup {
  readonly vocabulary: TokenizerVocabulary;
  readonly stopTokenIds: readonly number[];
  readonly vocabSize: number;
}

/** The grammar's answer after a token: the next mask, or none once it is complete. */
export interface MaskStep {
  /** Allowed next tokens (the sampler's bitmask); undefined once the grammar terminated. */
  readonly mask: Uint32Array | undefined;
  /** Whether a stop token accepted next ends the grammar (false in free text before a tool call). */
  readonly stopEnds: boolean;
}

export interface CompiledStart extends MaskStep {
  readonly id: number;
}

/** Thrown once the runtime failed in a way that may have corrupted it; the thread must be replaced. */
export const deadRuntimeMessage = 'the grammar runtime failed and was shut down';

export class GrammarService {
  private compiler: XGrammarCompiler | undefined;
  private readonly constraints = new Map<number, TokenConstraint>();
  private nextId = 1;
  private dead = false;
  /** The process's runtime this service was started on (one per thread; in-thread services share it). */
  private generation = -1;

  async start(setup: GrammarSetup): Promise<void> {
    const { vocabulary, stopTokenIds, vocabSize } = setup;
    this.generation = xgrammarGeneration();
    this.compiler = await this.guardAsync(() => createXGrammarCompiler({ tokenizer: { vocabulary: () => vocabulary }, stopTokenIds, vocabSize }));
  }

  compile(spec: ConstraintSpec): CompiledStart {
    return this.guard(spec, () => {
      const constraint = this.live().compile(spec);
      const id = this.nextId++;
      this.constraints.set(id, constraint);
      return { id, ...this.maskStep(constraint) };
    });
  }

  /**
   * A constraint for `spec` that has accepted `tokens` already: a request whose grammar was on a
   * thread that died carries on here from where it was.
   */
  resume(spec: ConstraintSpec, tokens: readonly number[]): CompiledStart {
    return this.guard(spec, () => {
      const constraint = this.live().compile(spec);
      for (const token of tokens) {
        if (!constraint.acceptToken(token)) {
          constraint.dispose();
          throw new Error(`resuming a grammar: it refused token ${token}, which it had accepted before`);
        }
      }
      const id = this.nextId++;
      this.constraints.set(id, constraint);
      return { id, ...this.maskStep(constraint) };
    });
  }

  /** Accepts `token` for constraint `id`; undefined when the grammar refuses it (state unchanged). */
  advance(id: number, token: number): MaskStep | undefined {
    return this.guard(undefined, () => {
      const constraint = this.constraint(id);
      if (!constraint.acceptToken(token)) return undefined;
      return this.maskStep(constraint);
    });
  }

  release(id: number): void {
    if (this.isDead) return;
    this.constraints.get(id)?.dispose();
    this.constraints.delete(id);
  }

  /** True once a failure may have corrupted the runtime: the thread must be replaced. */
  get isDead(): boolean {
    // Another service in this thread found the shared runtime corrupt.
    if (this.generation !== xgrammarGeneration()) this.dead = true;
    return this.dead;
  }

  /** Constraints held (for tests: each request's is released when it ends). */
  get size(): number {
    return this.constraints.size;
  }

  dispose(): void {
    if (!this.isDead) {
      for (const constraint of this.constraints.values()) constraint.dispose();
      this.compiler?.dispose();
    }
    this.constraints.clear();
    this.compiler = undefined;
  }

  private maskStep(constraint: TokenConstraint): MaskStep {
    const stopEnds = constraint.inFreeText?.() !== true;
    if (constraint.isTerminated()) return { mask: undefined, stopEnds };
    const mask = new Uint32Array(maskWords(this.live().vocabSize));
    constraint.fillNextTokenBitmask(mask);
    return { mask, stopEnds };
  }

  private constraint(id: number): TokenConstraint {
    const constraint = this.constraints.get(id);
    if (constraint === undefined) throw new Error(`grammar constraint ${id} does not exist`);
    return constraint;
  }

  private live(): XGrammarCompiler {
    if (this.isDead) throw new LlmError('constraint_runtime_failed', deadRuntimeMessage, 'constraint');
    if (this.compiler === undefined) throw new Error('the grammar service was not started');
    return this.compiler;
  }

  /** Typed errors (XGrammar refusing a schema) pass; anything else kills the runtime. */
  private guard<T>(spec: ConstraintSpec | undefined, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw this.verdict(error, spec);
    }
  }

  private async guardAsync<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.verdict(error, undefined);
    }
  }

  private verdict(error: unknown, spec: ConstraintSpec | undefined): unknown {
    if (error instanceof LlmError) return error;
    if (error instanceof XGrammarStackOverflow) {
      // The request's schema is at fault (a 400), and the runtime is gone all the same.
      this.dead = true;
      const subject = spec === undefined ? 'constraint' : constraintSubject(spec);
      return new LlmError('invalid_argument', `${subject}: the JSON schema is nested too deeply for constrained decoding`, subject);
    }
    if (error instanceof Error && !(error instanceof WebAssembly.RuntimeError || error instanceof RangeError) && !/memory|stack|wasm/i.test(error.message)) {
      return error;
    }
    this.dead = true;
    const kind = error instanceof Error ? error.name : 'error';
    return new LlmError('constraint_runtime_failed', `${deadRuntimeMessage} (${kind})`, 'constraint');
  }
}
