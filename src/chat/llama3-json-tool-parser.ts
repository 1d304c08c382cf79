/**
 * Llama 3.1/3.2 JSON tool calls (`{"name": "f", "parameters": {…}}`, optionally after
 * `<|python_tag|>`, several separated by `;`), parsed as vLLM's `llama3_json` parser does for
 * whole outputs: every `{` not inside an earlier call starts a call object, whatever text lies
 * between; each must decode and carry `name` and `arguments` or `parameters`, or the whole text is
 * content and there are no calls. The whole-output parse is one push of the same incremental
 * parser, so streamed deltas concatenate to it for any split.
 *
 * Deliberate differences from vLLM:
 * - Text before the first call (and before `<|python_tag|>`) is content; vLLM drops it (content
 *   null whenever there are calls), which would leave nothing to stream until the output ends.
 *   Content that is only whitespace is null, as vLLM's is.
 * - Arguments are the model's own JSON text, not re-serialized, so deltas concatenate exactly.
 * - An object with both `arguments` and `parameters`, or two `name` members, is not a call (vLLM's
 *   streaming refuses the first; Python's JSON keeps the last of a repeated key). Names must be
 *   non-empty strings; NaN and Infinity are not JSON here.
 * - Streaming: vLLM streams calls only when the output starts with `{` or the tag; here calls
 *   after text stream too. A call's header goes out once its name and arguments member have
 *   begun (a bare JSON object may be prose); a later object that breaks cannot take it back.
 */
import { makeToolCallId } from './hermes-tool-parser.ts';
import {
  CallDeltaWriter, isBlank, isValidCall, parseInOnePiece, scanCallObject, type FallbackStream, type OpenCall,
} from './json-call-object.ts';
import type { ToolCallParser, ToolCallParserFactory } from './tool-parser.ts';
import { partialTagSuffix, type StreamDelta } from './types.ts';

const PYTHON_TAG = '<|python_tag|>';
const ARGUMENT_KEYS = ['arguments', 'parameters'];

/** Incremental parse of one Llama output. */
class Llama3JsonStream implements FallbackStream {
  private text = '';
  private contentSent = 0;
  /** Where the calls begin: the first `{` or `<|python_tag|>`, once seen. */
  private callsStart: number | undefined;
  private searchFrom = 0; // where the next call's `{` may be
  private current: OpenCall | undefined;
  private callsFound = 0;
  private failed = false;
  private readonly writer = new CallDeltaWriter(makeToolCallId, true);

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
    if (this.callsStart === undefined) this.streamContent(final, deltas);
    if (this.callsStart !== undefined && !this.failed) this.scanCalls(deltas);
    // An object cut off by the end of output, or a tag with no object after it: no calls.
    if (final && this.callsStart !== undefined && (this.current !== undefined || this.callsFound === 0)) this.failed = true;
    if (this.failed && this.writer.callsSent === 0 && this.contentSent < this.text.length) {
      deltas.push({ content: this.text.slice(this.contentSent) });
      this.contentSent = this.text.length;
    }
    return deltas;
  }

  /** Sends content up to the calls, holding back a possible tag start and a blank prefix. */
  private streamContent(final: boolean, deltas: StreamDelta[]): void {
    const brace = this.text.indexOf('{', this.contentSent);
    const tag = this.text.indexOf(PYTHON_TAG, this.contentSent);
    const start = brace < 0 ? tag : tag < 0 ? brace : Math.min(brace, tag);
    const end = start >= 0 ? start : final ? this.text.length : this.text.length - partialTagSuffix(this.text, PYTHON_TAG);
    const certain = (final && start < 0) || this.contentSent > 0 || !isBlank(this.text, 0, end);
    if (certain && end > this.contentSent) {
      deltas.push({ content: this.text.slice(this.contentSent, end) });
      this.contentSent = end;
    }
    if (start >= 0) this.callsStart = this.searchFrom = start;
  }

  private scanCalls(deltas: StreamDelta[]): void {
    for (;;) {
      if (this.current === undefined) {
        const start = this.text.indexOf('{', this.searchFrom);
        if (start < 0) {
          this.searchFrom = this.text.length;
          return;
        }
        this.current = { start, argumentsSent: 0 };
      }
      const scan = scanCallObject(this.text, this.current.start, ARGUMENT_KEYS);
      if (scan.invalid || (scan.end !== undefined && !isValidCall(this.text, this.current.start, scan))) {
        this.failed = true;
        return;
      }
      this.writer.write(this.text, scan, this.current, deltas);
      if (scan.end === undefined) return;
      this.callsFound++;
      this.searchFrom = scan.end;
      this.current = undefined;
    }
  }
}

function parser(): ToolCallParser {
  return {
    parse: (text) => parseInOnePiece(text, new Llama3JsonStream()),
    stream: () => new Llama3JsonStream(),
    format: 'llama3_json',
    specialTokens: [PYTHON_TAG],
  };
}

export const llama3JsonToolParser: ToolCallParserFactory = () => parser();
