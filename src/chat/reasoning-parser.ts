/**
 * Reasoning parsers (`qwen3`, `deepseek_r1`): split a model's output into `reasoning_content` and
 * `content`, whole (`parseReasoning`) or as it streams (`ReasoningStreamParser`). Both read the
 * boundaries from `layoutReasoning` (reasoning-layout.ts, which also states the rules), so for any
 * split of the output into deltas, the concatenated deltas equal the whole-output parse.
 */
import { layoutReasoning, type ReasoningLayout, type ReasoningParserName } from './reasoning-layout.ts';
import type { StreamDelta } from './types.ts';

export { reasoningParserNames, type ReasoningParserName } from './reasoning-layout.ts';

export interface ReasoningOptions {
  /** Which parser's rules; default `qwen3`. */
  readonly parser?: ReasoningParserName;
  /** `chat_template_kwargs.enable_thinking`; default true. Only `qwen3` reads it. */
  readonly thinkingEnabled?: boolean;
}

export interface ReasoningSplit {
  /** `""` when `</think>` closed an empty think block; null when there was no reasoning. */
  readonly reasoningContent: string | null;
  readonly content: string | null;
}

const orNull = (text: string) => (text === '' ? null : text);

function layout(text: string, options: ReasoningOptions, final: boolean, knownStart?: number): ReasoningLayout {
  return layoutReasoning(text, options.parser ?? 'qwen3', options.thinkingEnabled !== false, final, knownStart);
}

/** Whole-output split; never throws. Tool calls are then parsed from `content` only. */
export function parseReasoning(text: string, options: ReasoningOptions = {}): ReasoningSplit {
  const { reasoning, contentStart, closed } = layout(text, options, true);
  const thought = reasoning === undefined ? null : text.slice(reasoning.start, reasoning.end);
  return {
    reasoningContent: thought === null || closed ? thought : orNull(thought),
    content: contentStart === undefined ? null : orNull(text.slice(contentStart)),
  };
}

/**
 * Streaming split. Holds back only what a later delta could still change: a possible leading
 * `<think>`, a partial tag at the end, and (qwen3) the text from a `<tool_call>` on until
 * `</think>` or the end of the output decides whether the call ended the reasoning. It keeps only
 * that held-back text, so a long output streams in linear time.
 */
export class ReasoningStreamParser {
  private pending = ''; // text not sent yet
  private startKnown = false; // the leading-`<think>` question is settled; pending starts in the reasoning
  private inContent = false; // the reasoning is over: every delta is content
  private reasoningOpened = false; // a reasoning delta (perhaps "") went out

  constructor(private readonly options: ReasoningOptions = {}) {}

  push(delta: string): StreamDelta[] {
    return this.advance(delta, false);
  }

  /** Call once after the last delta: flushes held-back text. */
  finish(): StreamDelta[] {
    return this.advance('', true);
  }

  private advance(delta: string, final: boolean): StreamDelta[] {
    if (this.inContent) return delta === '' ? [] : [{ content: delta }];
    const text = (this.pending += delta);
    const { reasoning, contentStart, closed } = layout(text, this.options, final, this.startKnown ? 0 : undefined);
    const deltas: StreamDelta[] = [];
    if (reasoning !== undefined) {
      // An empty closed think block still sends "", as the whole-output parse reports "".
      if (reasoning.end > reasoning.start || (closed && !this.reasoningOpened)) {
        deltas.push({ reasoning_content: text.slice(reasoning.start, reasoning.end) });
        this.reasoningOpened = true;
      }
      this.pending = text.slice(reasoning.end);
      this.startKnown = true;
    }
    if (contentStart !== undefined) {
      if (text.length > contentStart) deltas.push({ content: text.slice(contentStart) });
      this.pending = '';
      this.inContent = true;
    }
    return deltas;
  }
}
