/**
 * Stop strings over streamed text (OpenAI `stop`): the output ends before the first occurrence of
 * any stop string, which is itself never emitted — even when it spans several token deltas. Text
 * that could still be the start of a stop string is held back until the next delta settles it.
 */
export interface StopMatch {
  /** Text safe to emit now. */
  readonly text: string;
  /** The stop string that ended the output, when one did. */
  readonly stop: string | undefined;
}

export class StopStringMatcher {
  private pending = '';
  private stopped = false;

  constructor(private readonly stops: readonly string[]) {
    if (stops.some((stop) => stop.length === 0)) throw new RangeError('stop strings must not be empty');
  }

  get done(): boolean {
    return this.stopped;
  }

  push(delta: string): StopMatch {
    if (this.stopped) return { text: '', stop: undefined };
    const buffer = this.pending + delta;
    const match = this.earliestMatch(buffer);
    // A partial match that starts before the complete one could still end up earlier: wait.
    const partialStart = buffer.length - this.heldSuffix(buffer);
    if (match !== undefined && match.at <= partialStart) return this.stop(buffer, match);
    this.pending = buffer.slice(partialStart);
    return { text: buffer.slice(0, partialStart), stop: undefined };
  }

  /** At the end of generation: held text is output, unless a stop string completed inside it. */
  flush(): StopMatch {
    if (this.stopped) return { text: '', stop: undefined };
    const rest = this.pending;
    this.pending = '';
    const match = this.earliestMatch(rest);
    return match === undefined ? { text: rest, stop: undefined } : this.stop(rest, match);
  }

  private stop(buffer: string, match: { at: number; stop: string }): StopMatch {
    this.stopped = true;
    this.pending = '';
    return { text: buffer.slice(0, match.at), stop: match.stop };
  }

  private earliestMatch(text: string): { at: number; stop: string } | undefined {
    let best: { at: number; stop: string } | undefined;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
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
