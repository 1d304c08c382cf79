/**
 * A JSON tool-call object (`{"name": …, "arguments": …}`) as it grows, for the parsers whose calls
 * are bare JSON (llama3_json, mistral): where its name and arguments are so far, whether it can
 * still become a valid call, and the stream deltas that makes certain. One left-to-right scan,
 * linear in the object and without regular expressions; JSON.parse has the last word on a
 * finished object. Model output never makes these functions throw.
 */
import type { ParsedToolCall, StreamDelta, ToolCallDelta } from './types.ts';
import type { ParsedToolCalls, ToolCallStream } from './tool-parser.ts';

/** What a (possibly still growing) call object says so far. Offsets are into the whole text. */
export interface CallScan {
  /** The text can no longer become a valid call object (bad structure, non-string name, duplicate key). */
  readonly invalid: boolean;
  /** Offset just past the object's closing `}`, once seen. */
  readonly end?: number;
  readonly name?: string;
  readonly argumentsStart?: number;
  /** Set once the arguments value is complete. */
  readonly argumentsEnd?: number;
  /** Objects and arrays can be streamed while open; a scalar is held until it ends. */
  readonly argumentsIsContainer: boolean;
}

/** scanValue / scanString results beside an end offset: the value may still grow, or never can be one. */
export const INCOMPLETE = -1;
export const INVALID = -2;

export const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

export function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text[i])) i++;
  return i;
}

/** True when text[from, to) is empty or whitespace. */
export function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text[i])) return false;
  return true;
}

/** End offset of the string starting at `i` (a `"`), or INCOMPLETE. */
export function scanString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  return INCOMPLETE;
}

const isLiteralChar = (c: string): boolean =>
  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '-' || c === '+' || c === '.' || c === '_';

/** End offset of the JSON value at `i`, INCOMPLETE, or INVALID. Lenient: JSON.parse decides later. */
export function scanValue(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return scanString(text, i);
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (c === '"') {
        const end = scanString(text, j);
        if (end < 0) return INCOMPLETE;
        j = end - 1;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return INCOMPLETE;
  }
  let j = i;
  while (j < text.length && isLiteralChar(text[j] as string)) j++;
  if (j === text.length) return INCOMPLETE; // a number or literal may still grow
  return j === i ? INVALID : j;
}

function parseJsonString(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined; // a bad escape or a raw control character
  }
}

/**
 * Scans the call object whose `{` is at `start`. `argumentKeys` are the names the arguments member
 * may have; a second name or arguments member (under either key) makes the object invalid.
 */
export function scanCallObject(text: string, start: number, argumentKeys: readonly string[]): CallScan {
  let scan: CallScan = { invalid: false, argumentsIsContainer: false };
  const invalid = (): CallScan => ({ ...scan, invalid: true });
  let i = skipSpace(text, start + 1);
  for (;;) {
    if (i === text.length) return scan;
    if (text[i] === '}') return { ...scan, end: i + 1 };
    if (text[i] !== '"') return invalid();
    const keyEnd = scanString(text, i);
    if (keyEnd < 0) return scan;
    const key = parseJsonString(text.slice(i, keyEnd));
    if (key === undefined) return invalid();
    i = skipSpace(text, keyEnd);
    if (i === text.length) return scan;
    if (text[i] !== ':') return invalid();
    i = skipSpace(text, i + 1);
    if (i === text.length) return scan;
    const valueEnd = scanValue(text, i);
    if (valueEnd === INVALID) return invalid();
    if (key === 'name') {
      if (text[i] !== '"' || scan.name !== undefined) return invalid();
      if (valueEnd >= 0) {
        const name = parseJsonString(text.slice(i, valueEnd));
        if (name === undefined || name === '') return invalid();
        scan = { ...scan, name };
      }
    } else if (argumentKeys.includes(key)) {
      if (scan.argumentsStart !== undefined) return invalid();
      scan = { ...scan, argumentsStart: i, argumentsIsContainer: text[i] === '{' || text[i] === '[' };
      if (valueEnd >= 0) scan = { ...scan, argumentsEnd: valueEnd };
    }
    if (valueEnd === INCOMPLETE) return scan;
    i = skipSpace(text, valueEnd);
    if (i === text.length) return scan;
    if (text[i] === ',') i = skipSpace(text, i + 1);
    else if (text[i] !== '}') return invalid();
  }
}

/** A finished scan is a call: it has a name and arguments and the object is strict JSON. */
export function isValidCall(text: string, start: number, scan: CallScan): boolean {
  if (scan.invalid || scan.end === undefined || scan.name === undefined || scan.argumentsEnd === undefined) return false;
  try {
    JSON.parse(text.slice(start, scan.end)); // the scanner is lenient about literals, escapes and bracket kinds
    return true;
  } catch {
    return false;
  }
}

/** A call being streamed: where its object starts, and what of it has been sent. */
export interface OpenCall {
  readonly start: number;
  /** Set when the header (id, name) has been sent. */
  index?: number;
  argumentsSent: number;
}

/** Sends call headers and argument fragments as scans make them certain, numbering the calls. */
export class CallDeltaWriter {
  callsSent = 0;

  /** `headerNeedsArguments`: wait for the arguments member too, where a bare JSON object may be prose. */
  constructor(private readonly makeId: () => string, private readonly headerNeedsArguments: boolean) {}

  write(text: string, scan: CallScan, call: OpenCall, deltas: StreamDelta[]): void {
    if (call.index === undefined) {
      if (scan.name === undefined || (this.headerNeedsArguments && scan.argumentsStart === undefined)) return;
      call.index = this.callsSent++;
      const header: ToolCallDelta = { index: call.index, id: this.makeId(), type: 'function', function: { name: scan.name } };
      deltas.push({ tool_calls: [header] });
    }
    if (scan.argumentsStart === undefined) return;
    const available = scan.argumentsEnd ?? (scan.argumentsIsContainer ? text.length : scan.argumentsStart);
    const from = scan.argumentsStart + call.argumentsSent;
    if (available > from) {
      deltas.push({ tool_calls: [{ index: call.index, function: { arguments: text.slice(from, available) } }] });
      call.argumentsSent = available - scan.argumentsStart;
    }
  }
}

/** A stream that knows, once finished, whether the output fell back to being all content. */
export interface FallbackStream extends ToolCallStream {
  readonly fellBack: boolean;
}

/**
 * Whole-output parse as one push of the same incremental parser, so the two cannot disagree; only
 * the fallback differs: here a call that breaks after an earlier one also takes that one back.
 */
export function parseInOnePiece(text: string, stream: FallbackStream): ParsedToolCalls {
  const deltas = [...stream.push(text), ...stream.finish()];
  if (stream.fellBack) return { content: text === '' ? null : text, toolCalls: [] };
  let content = '';
  const toolCalls: { id: string; name: string; arguments: string }[] = [];
  for (const delta of deltas) {
    if ('content' in delta) content += delta.content;
    else if ('tool_calls' in delta) {
      for (const piece of delta.tool_calls) {
        if (piece.id !== undefined) toolCalls.push({ id: piece.id, name: piece.function.name ?? '', arguments: '' });
        const call = toolCalls[piece.index];
        if (call !== undefined) call.arguments += piece.function.arguments ?? '';
      }
    }
  }
  return {
    content: content === '' ? null : content,
    toolCalls: toolCalls.map((c): ParsedToolCall => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
  };
}
