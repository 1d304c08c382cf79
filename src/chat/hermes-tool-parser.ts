/**
 * Hermes tool calls (`<tool_call>\n{"name": …, "arguments": …}\n</tool_call>`), parsed the way
 * vLLM's `hermes` tool parser does for whole outputs, and streamed so that the concatenated
 * deltas equal the whole-output parse. Both paths share `scanCallBody`, so they cannot disagree on
 * where a call's name and arguments are. Model output never makes these functions throw.
 */
import { INCOMPLETE, INVALID, scanString, scanValue, skipSpace } from './json-call-object.ts';
import type { ToolCallParserFactory } from './tool-parser.ts';
import { partialTagSuffix, type ParsedToolCall, type StreamDelta, type ToolCallDelta } from './types.ts';

const START = '<tool_call>';
const END = '</tool_call>';

/** What a (possibly still growing) call body says so far. Offsets are into the body. */
interface BodyScan {
  /** The text can no longer become a valid call object (bad structure, non-string name, duplicate key). */
  invalid: boolean;
  /** Offset just past the top-level object's `}`, once seen. */
  objectEnd?: number;
  name?: string;
  argumentsStart?: number;
  /** Set once the arguments value is complete. */
  argumentsEnd?: number;
  /** Objects and arrays can be streamed while open; a scalar is held until it ends. */
  argumentsIsContainer: boolean;
}

/** Scans the top-level `{…}` of a call body for its `name` and `arguments` members. */
function scanCallBody(body: string): BodyScan {
  const scan: BodyScan = { invalid: false, argumentsIsContainer: false };
  const invalid = () => ({ ...scan, invalid: true });
  let i = skipSpace(body, 0);
  if (i === body.length) return scan;
  if (body[i] !== '{') return invalid();
  i++;
  for (;;) {
    i = skipSpace(body, i);
    if (i === body.length) return scan;
    if (body[i] === '}') return { ...scan, objectEnd: i + 1 };
    if (body[i] !== '"') return invalid();
    const keyEnd = scanString(body, i);
    if (keyEnd < 0) return scan;
    let key: unknown;
    try {
      key = JSON.parse(body.slice(i, keyEnd));
    } catch {
      return invalid();
    }
    i = skipSpace(body, keyEnd);
    if (i === body.length) return scan;
    if (body[i] !== ':') return invalid();
    i = skipSpace(body, i + 1);
    if (i === body.length) return scan;
    const valueEnd = scanValue(body, i);
    if (valueEnd === INVALID) return invalid();
    if (key === 'name') {
      if (body[i] !== '"' || scan.name !== undefined) return invalid();
      if (valueEnd >= 0) {
        let name: unknown;
        try {
          name = JSON.parse(body.slice(i, valueEnd));
        } catch {
          return invalid(); // a bad escape in the name
        }
        if (typeof name !== 'string' || name === '') return invalid();
        scan.name = name;
      }
    } else if (key === 'arguments') {
      if (scan.argumentsStart !== undefined) return invalid();
      scan.argumentsStart = i;
      scan.argumentsIsContainer = body[i] === '{' || body[i] === '[';
      if (valueEnd >= 0) scan.argumentsEnd = valueEnd;
    }
    if (valueEnd === INCOMPLETE) return scan;
    i = skipSpace(body, valueEnd);
    if (i === body.length) return scan;
    if (body[i] === ',') i++;
    else if (body[i] !== '}') return invalid();
  }
}

/** A finished call body → name and arguments text, or null when it is not a valid call. */
function parseCallBody(body: string): { name: string; arguments: string } | null {
  const scan = scanCallBody(body);
  if (scan.invalid || scan.objectEnd === undefined || scan.name === undefined) return null;
  if (scan.argumentsStart === undefined || scan.argumentsEnd === undefined) return null;
  if (body.slice(scan.objectEnd).trim() !== '') return null;
  try {
    JSON.parse(body); // the scanner is lenient about literals, escapes and bracket kinds
  } catch {
    return null;
  }
  return { name: scan.name, arguments: body.slice(scan.argumentsStart, scan.argumentsEnd) };
}

/** `chatcmpl-tool-` + 32 random hex digits, as vLLM's make_tool_call_id. */
export function makeToolCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'chatcmpl-tool-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Call bodies in order, like vLLM's `<tool_call>(.*?)</tool_call>|<tool_call>(.*)`. */
function callBodies(text: string, from: number): string[] {
  const bodies: string[] = [];
  for (let start = text.indexOf(START, from); start >= 0; ) {
    const bodyStart = start + START.length;
    const end = text.indexOf(END, bodyStart);
    if (end < 0) {
      bodies.push(text.slice(bodyStart)); // an unclosed final tag runs to the end
      break;
    }
    bodies.push(text.slice(bodyStart, end));
    start = text.indexOf(START, end + END.length);
  }
  return bodies;
}

/**
 * Whole-output parse. content is the text before the first `<tool_call>` (null if empty); text
 * between and after calls is dropped. If any block is not a valid call, there are no calls and
 * content is the whole text.
 */
export function parseToolCalls(text: string): { content: string | null; toolCalls: ParsedToolCall[] } {
  const first = text.indexOf(START);
  if (first < 0) return { content: text === '' ? null : text, toolCalls: [] };
  const toolCalls: ParsedToolCall[] = [];
  for (const body of callBodies(text, first)) {
    const call = parseCallBody(body);
    if (call === null) return { content: text, toolCalls: [] };
    toolCalls.push({ id: makeToolCallId(), type: 'function', function: call });
  }
  return { content: first === 0 ? null : text.slice(0, first), toolCalls };
}

interface OpenCall {
  readonly bodyStart: number;
  index?: number; // set when the header (id, name) has been sent
  argumentsSent: number;
}

/**
 * Incremental parse of one output. Content is streamed up to the first `<tool_call>`, minus any
 * suffix that could still grow into the tag; each call's header goes out once its name is
 * complete, then its arguments text as it arrives. A block that turns out invalid before any call
 * header was sent makes `finish()` emit the rest of the text as content, as the whole-output
 * parse does; once a header is out it cannot be taken back (see the test of that case).
 */
export class HermesStreamParser {
  private text = '';
  private contentSent = 0;
  private inCalls = false;
  private searchFrom = 0; // where the next `<tool_call>` may start
  private current: OpenCall | undefined;
  private callsSent = 0;
  private failed = false;

  push(delta: string): StreamDelta[] {
    this.text += delta;
    return this.advance(false);
  }

  /** Call once after the last delta: flushes held-back text and settles an unclosed final call. */
  finish(): StreamDelta[] {
    const deltas = this.advance(true);
    if (this.failed && this.callsSent === 0 && this.contentSent < this.text.length) {
      deltas.push({ content: this.text.slice(this.contentSent) });
      this.contentSent = this.text.length;
    }
    return deltas;
  }

  private advance(final: boolean): StreamDelta[] {
    const deltas: StreamDelta[] = [];
    if (!this.inCalls) {
      const start = this.text.indexOf(START, this.contentSent);
      const contentEnd = start >= 0 ? start
        : final ? this.text.length : this.text.length - partialTagSuffix(this.text, START);
      if (contentEnd > this.contentSent) {
        deltas.push({ content: this.text.slice(this.contentSent, contentEnd) });
        this.contentSent = contentEnd;
      }
      if (start < 0) return deltas;
      this.inCalls = true;
      this.searchFrom = start;
    }
    while (!this.failed) {
      if (this.current === undefined) {
        const start = this.text.indexOf(START, this.searchFrom);
        if (start < 0) break;
        this.current = { bodyStart: start + START.length, argumentsSent: 0 };
      }
      const end = this.text.indexOf(END, this.current.bodyStart);
      const bodyEnd = end >= 0 || final ? (end >= 0 ? end : this.text.length)
        : this.text.length - partialTagSuffix(this.text, END);
      this.streamCall(this.text.slice(this.current.bodyStart, bodyEnd), end >= 0 || final, deltas);
      if (end < 0) break;
      this.searchFrom = end + END.length;
      this.current = undefined;
    }
    return deltas;
  }

  /** Sends what the current call's body newly makes certain; `done` when the body is final. */
  private streamCall(body: string, done: boolean, deltas: StreamDelta[]): void {
    const call = this.current as OpenCall;
    const scan = scanCallBody(body);
    const parsed = done ? parseCallBody(body) : null;
    if (scan.invalid || (done && parsed === null)) {
      this.failed = true;
      return;
    }
    if (call.index === undefined) {
      if (scan.name === undefined) return;
      call.index = this.callsSent++;
      const header: ToolCallDelta = { index: call.index, id: makeToolCallId(), type: 'function', function: { name: scan.name } };
      deltas.push({ tool_calls: [header] });
    }
    if (scan.argumentsStart === undefined) return;
    const available = scan.argumentsEnd ?? (scan.argumentsIsContainer ? body.length : scan.argumentsStart);
    const from = scan.argumentsStart + call.argumentsSent;
    if (available > from) {
      deltas.push({ tool_calls: [{ index: call.index, function: { arguments: body.slice(from, available) } }] });
      call.argumentsSent = available - scan.argumentsStart;
    }
  }
}

/** The hermes parser behind the common contract (tool-parser.ts). */
export const hermesToolParser: ToolCallParserFactory = () => ({
  format: 'hermes',
  parse: parseToolCalls,
  stream: () => new HermesStreamParser(),
});
