/**
 * A push scanner for pythonic tool calls, `[get_weather(city='Paris', days=[1, 2]), f()]`: the
 * text arrives in pieces, each character is looked at once, brackets live on an explicit stack
 * (no recursion, no regular expression on model text), so the cost is linear in the text.
 *
 * It accepts what vLLM's pythonic parser accepts through `ast.parse`: a list of at least one
 * call `name(keyword=value, …)` with keyword arguments only, values being Python literals —
 * strings (any quotes, prefixes r/u/f without placeholders, implicit concatenation), ints and
 * floats (with unary + / -), True/False/None and JSON's true/false/null, lists, tuples and sets
 * (as JSON arrays) and dicts with constant keys — and Python's whitespace rules inside brackets,
 * nesting at most 200 brackets deep as Python's tokenizer does. Each call's arguments become
 * `json.dumps(arguments, ensure_ascii=False)`: ", " and ": " separators, a repeated key or
 * keyword keeping its first place and its last value.
 */
import { negate, numberJson, parseNumber, pythonFloatRepr, stringPrefix, type NumberValue } from './python-literal.ts';
import { pythonKeywords } from '../constraint/pythonic-grammar.ts';
import { isWordStart, PythonTokenReader, type FinishedToken } from './python-token-reader.ts';

export interface ScannedCall {
  readonly name: string;
  /** The arguments object as JSON text. */
  readonly arguments: string;
}

interface Value {
  readonly json: string;
  readonly number?: NumberValue;
  /** Set for constants, which alone may be dict keys: equality as Python's ==, and the JSON key. */
  readonly key?: { readonly identity: string; readonly json: string };
}

type Frame =
  | { kind: 'calls'; state: 'call' | 'callOrClose' | 'paren' | 'sep'; name: string }
  | { kind: 'call'; name: string; args: Map<string, string>; keyword: string; state: 'nameOrClose' | 'equals' | 'value' | 'sep' }
  | { kind: 'seq'; close: ']' | ')'; json: string; count: number; comma: boolean; single: Value | undefined; state: 'itemOrClose' | 'sep' }
  | {
    kind: 'brace'; dict: boolean; json: string; count: number; entries: Map<string, [string, string]>;
    pending: Value | undefined; state: 'itemOrClose' | 'sepOrColon' | 'key' | 'colon' | 'value' | 'item' | 'sep';
  }
  | { kind: 'unary'; negative: boolean };

/** Python's tokenizer refuses deeper bracket nesting ("too many nested parentheses"). */
const MAX_DEPTH = 200;
const CONSTANTS: ReadonlyMap<string, Value> = new Map([
  ['True', { json: 'true', key: { identity: 'n1', json: '"true"' } }],
  ['False', { json: 'false', key: { identity: 'n0', json: '"false"' } }],
  ['None', { json: 'null', key: { identity: 'z', json: '"null"' } }],
  // JSON's spellings, which vLLM also takes; they are names, not constants, so never dict keys.
  ['true', { json: 'true' }], ['false', { json: 'false' }], ['null', { json: 'null' }],
]);

export const isPythonSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\f';
const isQuote = (c: string) => c === '"' || c === "'";
const plain = { raw: false, format: false } as const;

function numberKey(number: NumberValue): NonNullable<Value['key']> {
  if (number.kind === 'int') return { identity: 'n' + number.digits, json: JSON.stringify(number.digits) };
  const repr = pythonFloatRepr(number.value);
  // 1.0 == 1 in Python: an integral float is the same key as the int.
  return { identity: Number.isInteger(number.value) ? 'n' + BigInt(number.value).toString() : 'f' + repr, json: JSON.stringify(repr) };
}

function wantsValue(frame: Frame | undefined): boolean {
  switch (frame?.kind) {
    case 'unary': return true;
    case 'call': return frame.state === 'value';
    case 'seq': return frame.state === 'itemOrClose';
    case 'brace': return frame.state !== 'sepOrColon' && frame.state !== 'colon' && frame.state !== 'sep';
    default: return false;
  }
}

export class PythonicCallScanner {
  /** Calls complete so far, in order. */
  readonly calls: ScannedCall[] = [];
  private readonly stack: Frame[] = [];
  private phase: 'start' | 'list' | 'done' = 'start';
  private depth = 0;
  private invalid = false;
  private ended = false;
  private readonly reader = new PythonTokenReader();
  /** Adjacent string literals concatenate: a string is a value only once something else follows. */
  private pendingString: string | undefined;

  /** The text can no longer be (or, after end(), is not) a list of calls. */
  get failed(): boolean {
    return this.invalid || (this.ended && this.phase !== 'done');
  }

  feed(piece: string): void {
    if (this.invalid || this.ended) return;
    this.reader.setPiece(piece);
    for (let i = 0; i < piece.length && !this.invalid;) {
      if (this.step(piece[i] as string, i)) i++;
    }
    this.reader.endPiece();
  }

  /** The end of the output: a word or number at the very end completes. */
  end(): void {
    if (this.invalid || this.ended) return;
    if (this.reader.active) {
      const token = this.reader.finish();
      if (token === undefined) this.fail(); // an unterminated string
      else this.tokenDone(token, undefined, 0);
    }
    this.ended = true;
  }

  private fail(): true {
    this.invalid = true;
    return true;
  }

  /** Handles one character at offset `at` of the current piece; false when it must be seen again. */
  private step(c: string, at: number): boolean {
    if (this.reader.active) {
      const result = this.reader.step(c, at);
      if (result === undefined) return true;
      return this.tokenDone(result.token, c, at) || result.consumed;
    }
    if (isPythonSpace(c)) return true;
    if (this.phase !== 'list') {
      if (this.phase === 'done' || c !== '[') return this.fail();
      this.phase = 'list';
      return this.push({ kind: 'calls', state: 'call', name: '' });
    }
    const frame = this.stack[this.stack.length - 1] as Frame;
    if (this.pendingString !== undefined) {
      if (isQuote(c)) return this.reader.beginString(at, c, plain), true;
      if (isWordStart(c)) return this.reader.beginWord(at), true;
      const value = this.pendingString;
      this.pendingString = undefined;
      this.deliver({ json: JSON.stringify(value), key: { identity: 's' + value, json: JSON.stringify(value) } });
      return this.invalid;
    }
    if (wantsValue(frame)) {
      if (isQuote(c)) return this.reader.beginString(at, c, plain), true;
      if (isWordStart(c)) return this.reader.beginWord(at), true;
      if ((c >= '0' && c <= '9') || c === '.') return this.reader.beginNumber(at), this.reader.step(c, at), true;
      if (c === '-' || c === '+') return this.push({ kind: 'unary', negative: c === '-' });
      if (c === '[' || c === '(') return this.push({ kind: 'seq', close: c === '[' ? ']' : ')', json: '', count: 0, comma: false, single: undefined, state: 'itemOrClose' });
      if (c === '{') return this.push({ kind: 'brace', dict: false, json: '', count: 0, entries: new Map(), pending: undefined, state: 'itemOrClose' });
    }
    if (isWordStart(c) && ((frame.kind === 'calls' && (frame.state === 'call' || frame.state === 'callOrClose'))
      || (frame.kind === 'call' && frame.state === 'nameOrClose'))) return this.reader.beginWord(at), true;
    return this.punctuation(frame, c);
  }

  private punctuation(frame: Frame, c: string): boolean {
    if (frame.kind === 'calls') {
      if (c === '(' && frame.state === 'paren') {
        return this.push({ kind: 'call', name: frame.name, args: new Map(), keyword: '', state: 'nameOrClose' });
      }
      if (c === ',' && frame.state === 'sep') frame.state = 'callOrClose';
      else if (c === ']' && (frame.state === 'sep' || frame.state === 'callOrClose')) this.pop(), this.phase = 'done';
      else this.fail();
    } else if (frame.kind === 'call') {
      if (c === '=' && frame.state === 'equals') frame.state = 'value';
      else if (c === ',' && frame.state === 'sep') frame.state = 'nameOrClose';
      else if (c === ')' && (frame.state === 'sep' || frame.state === 'nameOrClose')) this.endCall(frame);
      else this.fail();
    } else if (frame.kind === 'seq') {
      if (c === ',' && frame.state === 'sep') frame.state = 'itemOrClose', frame.comma = true;
      else if (c === frame.close) this.pop(), this.deliver(frame.close === ')' && frame.count === 1 && !frame.comma ? frame.single as Value : { json: `[${frame.json}]` });
      else this.fail();
    } else if (frame.kind === 'brace') {
      this.braceCharacter(frame, c);
    } else {
      this.fail();
    }
    return true;
  }

  private braceCharacter(frame: Frame & { kind: 'brace' }, c: string): void {
    const { state } = frame;
    if (c === ':' && state === 'sepOrColon') {
      frame.dict = true;
      frame.state = 'colon';
      this.braceCharacter(frame, c);
    } else if (c === ':' && state === 'colon') {
      frame.state = 'value';
    } else if (c === ',' && (state === 'sepOrColon' || state === 'sep')) {
      if (state === 'sepOrColon') this.addItem(frame, frame.pending as Value);
      frame.state = frame.dict ? 'key' : 'item';
    } else if (c === '}' && state !== 'colon' && state !== 'value') {
      if (state === 'sepOrColon') this.addItem(frame, frame.pending as Value);
      this.pop();
      const dict = frame.dict || state === 'itemOrClose'; // `{}` is an empty dict
      const entries = [...frame.entries.values()].map(([key, value]) => `${key}: ${value}`);
      this.deliver({ json: dict ? `{${entries.join(', ')}}` : `[${frame.json}]` });
    } else {
      this.fail();
    }
  }

  private addItem(frame: Frame & { kind: 'brace' }, value: Value): void {
    frame.json += (frame.count++ > 0 ? ', ' : '') + value.json;
  }

  private push(frame: Frame): true {
    if (frame.kind !== 'unary' && ++this.depth > MAX_DEPTH) return this.fail();
    this.stack.push(frame);
    return true;
  }

  private pop(): void {
    const frame = this.stack.pop();
    if (frame !== undefined && frame.kind !== 'unary') this.depth--;
  }

  private endCall(frame: Frame & { kind: 'call' }): void {
    this.pop();
    const members = [...frame.args].map(([keyword, json]) => `${JSON.stringify(keyword)}: ${json}`);
    this.calls.push({ name: frame.name, arguments: `{${members.join(', ')}}` });
    (this.stack[this.stack.length - 1] as Frame & { kind: 'calls' }).state = 'sep';
  }

  /** A complete value goes to the innermost open frame, through any unary signs before it. */
  private deliver(value: Value): void {
    let frame = this.stack[this.stack.length - 1];
    while (frame?.kind === 'unary') {
      if (value.number === undefined) return void this.fail(); // True, strings, lists: not numbers
      this.pop();
      const number = frame.negative ? negate(value.number) : value.number;
      value = { json: numberJson(number), number }; // no key: `-1` is not a constant
      frame = this.stack[this.stack.length - 1];
    }
    if (frame?.kind === 'call') {
      frame.args.set(frame.keyword, value.json);
      frame.state = 'sep';
    } else if (frame?.kind === 'seq') {
      frame.json += (frame.count++ > 0 ? ', ' : '') + value.json;
      frame.single = value;
      frame.state = 'sep';
    } else if (frame?.kind === 'brace') {
      if (frame.state === 'itemOrClose') {
        frame.pending = value;
        frame.state = 'sepOrColon';
      } else if (frame.state === 'key') {
        frame.pending = value;
        frame.state = 'colon';
      } else if (frame.state === 'value') {
        const key = frame.pending?.key;
        if (key === undefined) return void this.fail(); // `{[1]: 2}`, `{-1: 2}`: not constant keys
        const entry = frame.entries.get(key.identity);
        if (entry !== undefined) entry[1] = value.json;
        else frame.entries.set(key.identity, [key.json, value.json]);
        frame.state = 'sep';
      } else {
        this.addItem(frame, value);
        frame.state = 'sep';
      }
    }
  }

  /**
   * A token ended; `next` is the character after it (undefined at the end of the output), at
   * offset `at`. True when that character was taken as the opening quote of a prefixed string.
   */
  private tokenDone(token: FinishedToken, next: string | undefined, at: number): boolean {
    if (token.kind === 'string') {
      if (token.value === null) return this.fail();
      this.pendingString = (this.pendingString ?? '') + token.value;
    } else if (token.kind === 'number') {
      const number = parseNumber(token.text);
      if (number === null) return this.fail();
      this.deliver({ json: numberJson(number), number, key: numberKey(number) });
    } else {
      const prefix = next !== undefined && isQuote(next) ? stringPrefix(token.text) : undefined;
      if (prefix !== undefined && (this.pendingString !== undefined || wantsValue(this.stack[this.stack.length - 1]))) {
        if (prefix.bytes) return this.fail(); // bytes have no JSON value
        this.reader.beginString(at, next as string, prefix);
        return true;
      }
      this.wordDone(token.text);
    }
    return false;
  }

  private wordDone(word: string): void {
    const frame = this.stack[this.stack.length - 1];
    if (this.pendingString !== undefined) {
      this.fail(); // a name right after a string
    } else if (frame?.kind === 'calls' && (frame.state === 'call' || frame.state === 'callOrClose')) {
      if (pythonKeywords.has(word)) return void this.fail();
      frame.name = word;
      frame.state = 'paren';
    } else if (frame?.kind === 'call' && frame.state === 'nameOrClose') {
      frame.keyword = word; // Python keywords too: vLLM renames them so that `from=` parses
      frame.state = 'equals';
    } else {
      const constant = wantsValue(frame) ? CONSTANTS.get(word) : undefined;
      if (constant === undefined) return void this.fail(); // a name is not a literal
      this.deliver(constant);
    }
  }
}
