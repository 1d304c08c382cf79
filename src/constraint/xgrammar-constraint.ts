/**
 * A TokenConstraint over one XGrammar GrammarMatcher: masks and token acceptance go straight to
 * the matcher's embind handle (synchronous), through the runtime's abort guard. The output's UTF-8
 * state is tracked beside it, and tokens that would make invalid text are refused whatever
 * XGrammar says (utf8-validity.ts). A grammar that starts with free text (strict tools under
 * tool_choice "auto") leaves that text as the model writes it: the UTF-8 rule applies only from
 * the trigger on, where the text becomes a tool call.
 */
import { maskWords, type TokenConstraint } from './token-constraint.ts';
import { Utf8Validity } from './utf8-validity.ts';
import type { MatcherHandle, XGrammarRuntime } from './xgrammar-runtime.ts';

export class XGrammarConstraint implements TokenConstraint {
  private matcher: MatcherHandle | undefined;
  private terminated = false;
  private utf8 = Utf8Validity.start;
  /** Undefined once the UTF-8 rule applies; else watches the free text for the trigger. */
  private freeText: TriggerWatch | undefined;

  constructor(
    private readonly runtime: XGrammarRuntime,
    matcher: MatcherHandle,
    private readonly vocabSize: number,
    private readonly validity: Utf8Validity,
    freeTextUntil?: FreeTextUntil,
  ) {
    this.matcher = matcher;
    if (freeTextUntil !== undefined) this.freeText = new TriggerWatch(freeTextUntil);
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
    if (this.freeText !== undefined) return;
    const valid = this.validity.allowedFrom(this.utf8);
    for (let i = 0; i < words; i++) mask[i]! &= valid[i]!;
  }

  acceptToken(id: number): boolean {
    const matcher = this.live();
    if (this.terminated || !Number.isInteger(id) || id < 0 || id >= this.vocabSize) return false;
    if (this.freeText !== undefined) {
      // A stop token in free text is the sequence's to act on (it may be ignored, with ignoreEos):
      // the grammar stays where it is rather than ending.
      if (this.freeText.stopTokenIds.has(id)) return true;
      if (!this.runtime.call(() => matcher.AcceptToken(id, false))) return false;
      // The trigger is ASCII: the text after it starts at a character boundary.
      if (this.freeText.seesTriggerAfter(id)) this.freeText = undefined;
    } else {
      const utf8 = this.validity.next(this.utf8, id);
      if (utf8 < 0 || !this.runtime.call(() => matcher.AcceptToken(id, false))) return false;
      this.utf8 = utf8;
    }
    this.terminated = matcher.IsTerminated();
    return true;
  }

  isTerminated(): boolean {
    return this.terminated;
  }

  inFreeText(): boolean {
    return this.freeText !== undefined;
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

/** A grammar that starts with free text: what ends it, the vocabulary's bytes, and its stop tokens. */
export interface FreeTextUntil {
  readonly trigger: string;
  readonly tokenBytes: readonly (Uint8Array | undefined)[];
  readonly stopTokenIds: ReadonlySet<number>;
}

/** Whether the output's bytes contain `trigger` yet, across token boundaries. */
class TriggerWatch {
  private readonly trigger: string;
  private readonly tokenBytes: readonly (Uint8Array | undefined)[];
  readonly stopTokenIds: ReadonlySet<number>;
  private tail = ''; // the last trigger.length - 1 bytes, one character per byte

  constructor({ trigger, tokenBytes, stopTokenIds }: FreeTextUntil) {
    this.trigger = String.fromCharCode(...new TextEncoder().encode(trigger));
    this.tokenBytes = tokenBytes;
    this.stopTokenIds = stopTokenIds;
  }

  seesTriggerAfter(id: number): boolean {
    const bytes = this.tokenBytes[id];
    if (bytes === undefined) return false;
    const text = this.tail + String.fromCharCode(...bytes);
    this.tail = text.slice(-(this.trigger.length - 1));
    return text.includes(this.trigger);
  }
}
