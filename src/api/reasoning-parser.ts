/**
 * Qwen3 thinking: the text before `</think>` is `reasoning_content`, the rest is `content`.
 * The chat template usually opens `<think>` in the prompt, so the output may or may not start
 * with it; a leading one (after optional whitespace) is removed. Without `</think>` everything is
 * reasoning (the model was cut off while thinking). With `enable_thinking: false` the template
 * already closed the think block, so the output is all content and is not searched for tags:
 * that keeps streaming from having to hold text back until the end.
 */
import { partialTagSuffix, type StreamDelta } from './types.ts';

const START = '<think>';
const END = '</think>';
const LEADING_START = /^[ \t\r\n]*<think>/;
const LEADING_SPACE = /^[ \t\r\n]*/;

export interface ReasoningOptions {
  /** `chat_template_kwargs.enable_thinking`; default true. */
  readonly thinkingEnabled?: boolean;
}

export interface ReasoningSplit {
  readonly reasoningContent: string | null;
  readonly content: string | null;
}

const orNull = (text: string) => (text === '' ? null : text);

/** Whole-output split. Tool calls are then parsed from `content` only. */
export function parseReasoning(text: string, options: ReasoningOptions = {}): ReasoningSplit {
  if (options.thinkingEnabled === false) return { reasoningContent: null, content: orNull(text) };
  const body = text.slice(LEADING_START.exec(text)?.[0].length ?? 0);
  const end = body.indexOf(END);
  if (end < 0) return { reasoningContent: orNull(body), content: null };
  return { reasoningContent: orNull(body.slice(0, end)), content: orNull(body.slice(end + END.length)) };
}

/**
 * Streaming split: the same boundaries as `parseReasoning` for any split of the text into deltas.
 * Holds back a possible leading `<think>` and a possible partial `</think>` until they resolve.
 */
export class ReasoningStreamParser {
  private text = '';
  private phase: 'start' | 'reasoning' | 'content';
  private sent = 0; // offset into text of what has been emitted or dropped

  constructor(options: ReasoningOptions = {}) {
    this.phase = options.thinkingEnabled === false ? 'content' : 'start';
  }

  push(delta: string): StreamDelta[] {
    this.text += delta;
    return this.advance(false);
  }

  /** Call once after the last delta: flushes held-back text. */
  finish(): StreamDelta[] {
    return this.advance(true);
  }

  private advance(final: boolean): StreamDelta[] {
    const deltas: StreamDelta[] = [];
    if (this.phase === 'start') {
      const leading = LEADING_START.exec(this.text);
      if (leading !== null) this.sent = leading[0].length;
      else {
        const rest = this.text.slice(LEADING_SPACE.exec(this.text)?.[0].length ?? 0);
        if (START.startsWith(rest) && !final) return deltas; // may still become `<think>`
      }
      this.phase = 'reasoning';
    }
    if (this.phase === 'reasoning') {
      const end = this.text.indexOf(END, this.sent);
      const reasoningEnd = end >= 0 ? end
        : final ? this.text.length : this.text.length - partialTagSuffix(this.text, END);
      if (reasoningEnd > this.sent) deltas.push({ reasoning_content: this.text.slice(this.sent, reasoningEnd) });
      this.sent = reasoningEnd;
      if (end < 0) return deltas;
      this.sent = end + END.length;
      this.phase = 'content';
    }
    if (this.text.length > this.sent) deltas.push({ content: this.text.slice(this.sent) });
    this.sent = this.text.length;
    return deltas;
  }
}
