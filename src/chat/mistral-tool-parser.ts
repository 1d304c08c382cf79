/**
 * Mistral v0.3 tool calls (tokenizers before v11): content, then `[TOOL_CALLS]` and a JSON array
 * of `{"name": …, "arguments": …}` objects, parsed as vLLM's `mistral` parser does for whole
 * outputs. Like vLLM (whose fallback looks for the first `[{`), it tolerates whitespace and stray
 * text between the marker and the array, and drops text after the array. The whole-output parse
 * is one push of the same incremental parser, so streamed deltas concatenate to it for any split.
 *
 * Deliberate differences from vLLM:
 * - Fallback is all or nothing, as for the other formats: when the array does not parse, is
 *   empty, or is cut off by the end of output, the whole text is content; vLLM keeps only the
 *   stripped text after the marker (and raises on a second marker, which here is just text after
 *   the array).
 * - Arguments are the model's own JSON text, not re-serialized, so deltas concatenate exactly.
 * - Two `name` or `arguments` members, an empty or non-string name, or NaN/Infinity make an
 *   object invalid. Content that is only whitespace is null.
 * - Streaming: a call's header goes out once its name is complete; a call that then breaks
 *   cannot take it back (the whole-output parse then has no calls).
 */
import {
  CallDeltaWriter, isBlank, isValidCall, parseInOnePiece, scanCallObject, skipSpace, type FallbackStream, type OpenCall,
} from './json-call-object.ts';
import type { ToolCallParser, ToolCallParserFactory } from './tool-parser.ts';
import { partialTagSuffix, type StreamDelta } from './types.ts';

const MARKER = '[TOOL_CALLS]';
const ARGUMENT_KEYS = ['arguments'];
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Nine random letters and digits, the id form Mistral's templates and vLLM require. */
export function makeMistralToolCallId(): string {
  let id = '';
  while (id.length < 9) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      // 248 = 4 × 62: dropping the bytes above keeps every character equally likely.
      if (byte < 248 && id.length < 9) id += ALPHANUMERIC[byte % 62];
    }
  }
  return id;
}

/** Where the incremental parse is: before the marker, looking for the array, in it, or past it. */
type Phase = 'content' | 'seekArray' | 'call' | 'afterCall' | 'nextCall' | 'done';

/** Incremental parse of one Mistral output. */
class MistralStream implements FallbackStream {
  private text = '';
  private contentSent = 0;
  private phase: Phase = 'content';
  private cursor = 0; // where the current phase continues
  private current: OpenCall | undefined;
  private failed = false;
  private readonly writer = new CallDeltaWriter(makeMistralToolCallId, false);

  get fellBack(): boolean {
    return this.failed;
  }

  push(piece: string): StreamDelta[] {
    this.text += piece;
    return this.advance(false);
  }

  finish(): StreamDelta[] {
    return this.advance(true);
  }

  private advance(final: boolean): StreamDelta[] {
    const deltas: StreamDelta[] = [];
    if (this.phase === 'content') this.streamContent(final, deltas);
    while (!this.failed && this.phase !== 'content' && this.phase !== 'done' && this.step(deltas));
    // A marker with no array after it, or an array cut off by the end of output: no calls.
    if (final && this.phase !== 'content' && this.phase !== 'done') this.failed = true;
    if (this.failed && this.writer.callsSent === 0 && this.contentSent < this.text.length) {
      deltas.push({ content: this.text.slice(this.contentSent) });
      this.contentSent = this.text.length;
    }
    return deltas;
  }

  /** Sends content up to the marker, holding back a possible marker start and a blank prefix. */
  private streamContent(final: boolean, deltas: StreamDelta[]): void {
    const marker = this.text.indexOf(MARKER, this.contentSent);
    const end = marker >= 0 ? marker : final ? this.text.length : this.text.length - partialTagSuffix(this.text, MARKER);
    const certain = (final && marker < 0) || this.contentSent > 0 || !isBlank(this.text, 0, end);
    if (certain && end > this.contentSent) {
      deltas.push({ content: this.text.slice(this.contentSent, end) });
      this.contentSent = end;
    }
    if (marker >= 0) {
      this.phase = 'seekArray';
      this.cursor = marker + MARKER.length;
    }
  }

  /** Moves one phase on; false when it needs more text (or failed). */
  private step(deltas: StreamDelta[]): boolean {
    const text = this.text;
    if (this.phase === 'seekArray') {
      // The first `[` whose next non-space character is `{`; other text on the way is skipped.
      for (let open = text.indexOf('[', this.cursor); open >= 0; open = text.indexOf('[', open + 1)) {
        const next = skipSpace(text, open + 1);
        this.cursor = open;
        if (next === text.length) return false;
        if (text[next] === '{') return this.openCall(next);
      }
      this.cursor = text.length;
      return false;
    }
    if (this.phase === 'call') {
      const call = this.current as OpenCall;
      const scan = scanCallObject(text, call.start, ARGUMENT_KEYS);
      if (scan.invalid || (scan.end !== undefined && !isValidCall(text, call.start, scan))) return this.fail();
      this.writer.write(text, scan, call, deltas);
      if (scan.end === undefined) return false;
      this.current = undefined;
      this.cursor = scan.end;
      this.phase = 'afterCall';
      return true;
    }
    const next = skipSpace(text, this.cursor);
    this.cursor = next;
    if (next === text.length) return false;
    if (this.phase === 'nextCall') return text[next] === '{' ? this.openCall(next) : this.fail();
    // afterCall: a comma and another call, or the end of the array.
    if (text[next] === ',') {
      this.cursor = next + 1;
      this.phase = 'nextCall';
    } else if (text[next] === ']') this.phase = 'done';
    else return this.fail();
    return true;
  }

  private openCall(start: number): boolean {
    this.current = { start, argumentsSent: 0 };
    this.phase = 'call';
    return true;
  }

  private fail(): boolean {
    this.failed = true;
    return false;
  }
}

function parser(): ToolCallParser {
  return {
    parse: (text) => parseInOnePiece(text, new MistralStream()),
    stream: () => new MistralStream(),
    format: 'mistral',
    specialTokens: [MARKER],
    makeToolCallId: makeMistralToolCallId,
  };
}

export const mistralToolParser: ToolCallParserFactory = () => parser();
