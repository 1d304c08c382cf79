/**
 * A TokenConstraint whose matcher lives on the grammar thread. It holds the mask for the next
 * token; accepting a token checks it against that mask here (XGrammar's masks are exact), posts
 * the token to the thread, and the thread answers with the following mask while the engine goes
 * on with its step. The engine awaits `ready()` before it samples this request again.
 * If the thread dies (another request's schema broke the runtime), the grammar is rebuilt on
 * the new thread from its spec and the tokens accepted so far, and the request carries on.
 */
import { isLlmError } from '../errors.ts';
import type { ConstraintSpec } from './constraint-spec.ts';
import type { CompiledStart, MaskStep } from './grammar-service.ts';
import type { GrammarLink, GrammarThread } from './grammar-thread.ts';
import { maskAllows, type TokenConstraint } from './token-constraint.ts';

export class RemoteConstraint implements TokenConstraint {
  private mask: Uint32Array | undefined;
  private stopEnds: boolean;
  private terminated = false;
  private pending: Promise<void> | undefined;
  private failure: unknown;
  private released = false;
  private link: GrammarLink;
  private id: number;
  /** Every token accepted, to rebuild the grammar elsewhere. */
  private readonly accepted: number[] = [];

  constructor(
    private readonly thread: GrammarThread,
    private readonly spec: ConstraintSpec,
    placed: { link: GrammarLink; start: CompiledStart },
    /** The grammar's stop tokens (the model's EOS ids). */
    private readonly stopTokenIds: ReadonlySet<number>,
  ) {
    this.link = placed.link;
    this.id = placed.start.id;
    this.mask = placed.start.mask;
    this.stopEnds = placed.start.stopEnds;
    this.terminated = placed.start.mask === undefined;
  }

  ready(): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return this.pending;
  }

  fillNextTokenBitmask(mask: Uint32Array): void {
    this.check();
    if (this.terminated || this.mask === undefined) mask.fill(0);
    else mask.set(this.mask);
  }

  acceptToken(id: number): boolean {
    this.check();
    if (this.terminated || this.mask === undefined || !maskAllows(this.mask, id)) return false;
    this.accepted.push(id);
    if (this.stopTokenIds.has(id) && this.stopEnds) {
      this.terminated = true;
      return true;
    }
    this.mask = undefined;
    this.pending = this.next(id).then((step) => {
      this.pending = undefined;
      this.mask = step.mask;
      this.stopEnds = step.stopEnds;
      this.terminated = step.mask === undefined;
    }).catch((error: unknown) => {
      this.pending = undefined;
      this.failure = error;
      throw error;
    });
    this.pending.catch(() => undefined); // reported through ready()
    return true;
  }

  isTerminated(): boolean {
    return this.terminated;
  }

  dispose(): void {
    if (this.released) return;
    this.released = true;
    // After the pending answer, so the thread never gets a token for a released matcher.
    void (this.pending ?? Promise.resolve()).catch(() => undefined).then(() => this.thread.release(this.link, this.id));
  }

  private async next(token: number): Promise<MaskStep> {
    let step: MaskStep | undefined;
    try {
      step = await this.thread.advance(this.link, this.id, token);
    } catch (error) {
      if (!isLlmError(error, 'constraint_runtime_failed')) throw error;
      // Its thread died: the same grammar, fed the same tokens, on the next one.
      const placed = await this.thread.resume(this.spec, this.accepted);
      this.link = placed.link;
      this.id = placed.start.id;
      return placed.start;
    }
    if (step === undefined) throw new Error(`the grammar refused token ${token}, which its own mask allowed`);
    return step;
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.pending !== undefined) throw new Error('the grammar has not answered yet: await ready() first');
    if (this.released) throw new Error('the token constraint was disposed');
  }
}
