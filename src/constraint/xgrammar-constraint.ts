/**
 * A TokenConstraint over one XGrammar GrammarMatcher: masks and token acceptance go straight to
 * the matcher's embind handle (synchronous), through the runtime's abort guard. The output's UTF-8
 * state is tracked beside it, and tokens that would make invalid text are refused whatever
 * XGrammar says (utf8-validity.ts).
 */
import { maskWords, type TokenConstraint } from './token-constraint.ts';
import { Utf8Validity } from './utf8-validity.ts';
import type { MatcherHandle, XGrammarRuntime } from './xgrammar-runtime.ts';

export class XGrammarConstraint implements TokenConstraint {
  private matcher: MatcherHandle | undefined;
  private terminated = false;
  private utf8 = Utf8Validity.start;

  constructor(
    private readonly runtime: XGrammarRuntime,
    matcher: MatcherHandle,
    private readonly vocabSize: number,
    private readonly validity: Utf8Validity,
  ) {
    this.matcher = matcher;
  }

  fillNextTokenBitmask(mask: Uint32Array): void {
    const words = maskWords(this.vocabSize);
    if (mask.length !== words) throw new RangeError(`token mask has ${mask.length} words, the vocabulary needs ${words}`);
    const matcher = this.live();
    // XGrammar aborts when asked for a mask after its stop token.
    if (this.terminated) {
      mask.fill(0);
      return;
    }
    const vector = this.runtime.call(() => matcher.GetNextTokenBitmask(this.vocabSize));
    this.runtime.takeMask(vector, mask);
    const valid = this.validity.allowedFrom(this.utf8);
    for (let i = 0; i < words; i++) mask[i]! &= valid[i]!;
  }

  acceptToken(id: number): boolean {
    const matcher = this.live();
    if (this.terminated || !Number.isInteger(id) || id < 0 || id >= this.vocabSize) return false;
    const utf8 = this.validity.next(this.utf8, id);
    if (utf8 < 0 || !this.runtime.call(() => matcher.AcceptToken(id, false))) return false;
    this.utf8 = utf8;
    this.terminated = matcher.IsTerminated();
    return true;
  }

  isTerminated(): boolean {
    return this.terminated;
  }

  dispose(): void {
    this.matcher?.delete();
    this.matcher = undefined;
  }

  private live(): MatcherHandle {
    if (this.matcher === undefined) throw new Error('the token constraint was disposed');
    return this.matcher;
  }
}
