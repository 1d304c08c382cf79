/**
 * Stop strings over streamed text (OpenAI `stop`): the output ends before the first occurrence of
 * any stop string, which is itself not emitted (unless vLLM's include_stop_str_in_output asks for
 * it) — even when it spans several token deltas. Text that could still be the start of a stop
 * string is held back until the next delta settles it. Text pushed with `checking` off (vLLM's
 * min_tokens: the first tokens are never stopped) ends no match; a match must end after it.
 */
/** vLLM's options for how stop strings apply to a choice. */
export interface StopOptions {
  /** Keep the matched stop string at the end of the text (include_stop_str_in_output). */
  readonly includeStopString?: boolean;
  /** No stop string ends the output within the first this-many tokens (min_tokens). */
  readonly minTokens?: number;
}

export interface StopMatch {
  /** Text safe to emit now. */
  readonly text: string;
  /** The stop string that ended the output, when one did. */
  readonly stop: string | undefined;
}

export class StopStringMatcher {
  private pending = '';
  /** Leading characters of `pending` pushed with checking off: no match may end inside them. */
  private unchecked = 0;
  private stopped = false;

  constructor(private readonly stops: readonly string[], private readonly includeInOutput = false) {
    if (stops.some((stop) => stop.length === 0)) throw new RangeError('stop strings must not be empty');
  }

  get done(): boolean {
    return this.stopped;
  }

  push(delta: string, checking = true): StopMatch {
    if (this.stopped) return { text: '', stop: undefined };
    const buffer = this.pending + delta;
    const unchecked = checking ? this.unchecked : buffer.length;
    const match = this.earliestMatch(buffer, unchecked);
    // A partial match that starts before the complete one could still end up earlier: wait.
    const partialStart = buffer.length - this.heldSuffix(buffer);
    if (match !== undefined && match.at <= partialStart) return this.stop(buffer, match);
    this.pending = buffer.slice(partialStart);
    this.unchecked = Math.max(0, unchecked - partialStart);
    return { text: buffer.slice(0, partialStart), stop: undefined };
  }

  /** At the end of generation: held text is output, unless a stop string completed inside it. */
  flush(): StopMatch {
    if (this.stopped) return { text: '', stop: undefined };
    const rest = this.pending;
    this.pending = '';
    const match = this.earliestMatch(rest, this.unchecked);
    return match === undefined ? { text: rest, stop: undefined } : this.stop(rest, match);
  }

  private stop(buffer: string, match: { at: number; stop: string }): StopMatch {
    this.stopped = true;
    this.pending = '';
    return { text: buffer.slice(0, match.at + (this.includeInOutput ? match.stop.length : 0)), stop: match.stop };
  }

  /** The first match that ends after the first `unchecked` characters. */
  private earliestMatch(text: string, unchecked: number): { at: number; stop: string } | undefined {
    let best: { at: number; stop: string } | undefined;
    for (const stop of this.stops) {
      const at = text.indexOf(stop, Math.max(0, unchecked - stop.length + 1));
      if (at >= 0 && (best === undefined || at < best.at)) best = { at, stop };
    }
    return best;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  private heldSuffix(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
