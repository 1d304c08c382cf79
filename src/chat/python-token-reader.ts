/**
 * Python tokens that may span pieces of streamed text — names, numbers and string literals —
 * read one character at a time while the pythonic call scanner has one open. A token's text is
 * kept as slices of the pieces it spans, so reading is linear however the text is split.
 */
import { decodeStringBody } from './python-literal.ts';

export type FinishedToken =
  | { readonly kind: 'word' | 'number'; readonly text: string }
  /** null: an escape Python refuses, a line break in a one-line string, an f-string placeholder. */
  | { readonly kind: 'string'; readonly value: string | null };

type OpenToken =
  | { readonly kind: 'word' }
  | { readonly kind: 'number'; previous: string; hex: boolean; length: number }
  | {
    readonly kind: 'string'; readonly quote: string; readonly raw: boolean; readonly format: boolean;
    triple: boolean; quotes: number; phase: 'open1' | 'open2' | 'body' | 'escape' | 'escapedCR';
  };

export const isWordStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isWordChar = (c: string) => isWordStart(c) || (c >= '0' && c <= '9');

export class PythonTokenReader {
  private open: OpenToken | undefined;
  /** The open token's text from earlier pieces, and where it starts in the current piece. */
  private text = '';
  private start = 0;
  private piece = '';

  get active(): boolean {
    return this.open !== undefined;
  }

  /** A new piece of text: offsets given from here on are into it. */
  setPiece(piece: string): void {
    this.piece = piece;
    this.start = 0;
  }

  /** The current piece is used up. */
  endPiece(): void {
    if (this.open !== undefined) this.text += this.piece.slice(this.start);
  }

  beginWord(at: number): void {
    this.begin({ kind: 'word' }, at);
  }

  beginNumber(at: number): void {
    this.begin({ kind: 'number', previous: '', hex: false, length: 0 }, at);
  }

  /** A string literal whose opening quote is at `at`. */
  beginString(at: number, quote: string, flags: { readonly raw: boolean; readonly format: boolean }): void {
    this.begin({ kind: 'string', quote, raw: flags.raw, format: flags.format, triple: false, quotes: 0, phase: 'open1' }, at);
  }

  private begin(token: OpenToken, at: number): void {
    this.open = token;
    this.text = '';
    this.start = at;
  }

  /**
   * The character at `at` while a token is open: undefined when the token goes on (the character
   * is part of it), else the finished token and whether the character was its last one.
   */
  step(c: string, at: number): { token: FinishedToken; consumed: boolean } | undefined {
    const token = this.open as OpenToken;
    if (token.kind === 'word') return isWordChar(c) ? undefined : { token: this.close('word', at), consumed: false };
    if (token.kind === 'number') {
      // An exponent's sign belongs to the number (`1e-5`), but not in hex (`0xe-1` is a subtraction).
      const sign = (c === '+' || c === '-') && !token.hex && (token.previous === 'e' || token.previous === 'E');
      if (!isWordChar(c) && c !== '.' && !sign) return { token: this.close('number', at), consumed: false };
      if (token.length === 1 && token.previous === '0' && (c === 'x' || c === 'X')) token.hex = true;
      token.previous = c;
      token.length++;
      return undefined;
    }
    switch (token.phase) {
      case 'open1':
        token.phase = c === token.quote ? 'open2' : 'body';
        return c === token.quote ? undefined : this.step(c, at);
      case 'open2':
        if (c !== token.quote) return { token: this.closeString(at, 0), consumed: false }; // ''
        token.triple = true;
        token.phase = 'body';
        return undefined;
      case 'escape': // the escaped character never ends the string
        token.phase = c === '\r' ? 'escapedCR' : 'body';
        return undefined;
      case 'escapedCR':
        token.phase = 'body';
        return c === '\n' ? undefined : this.step(c, at);
      case 'body':
        if (c === '\\') {
          token.phase = 'escape';
          token.quotes = 0;
        } else if (c === token.quote) {
          if (!token.triple || ++token.quotes === 3) return { token: this.closeString(at + 1, token.triple ? 3 : 1), consumed: true };
        } else {
          token.quotes = 0;
          if (!token.triple && (c === '\n' || c === '\r')) {
            this.open = undefined;
            return { token: { kind: 'string', value: null }, consumed: true };
          }
        }
        return undefined;
    }
  }

  /** The end of the output: the open token if it is complete there, else undefined. */
  finish(): FinishedToken | undefined {
    const token = this.open;
    this.piece = '';
    this.start = 0;
    if (token === undefined) return undefined;
    if (token.kind !== 'string') return this.close(token.kind, 0);
    return token.phase === 'open2' ? this.closeString(0, 0) : undefined;
  }

  private textUpTo(end: number): string {
    this.open = undefined;
    return this.text + this.piece.slice(this.start, end);
  }

  private close(kind: 'word' | 'number', end: number): FinishedToken {
    return { kind, text: this.textUpTo(end) };
  }

  /** The string ends before offset `end`, with `quoteLength` quotes on each side. */
  private closeString(end: number, quoteLength: number): FinishedToken {
    const token = this.open as OpenToken & { kind: 'string' };
    const text = this.textUpTo(end);
    const body = quoteLength === 0 ? '' : text.slice(quoteLength, text.length - quoteLength);
    // An f-string is a plain string only without placeholders ("{{" escapes are refused too).
    if (token.format && (body.includes('{') || body.includes('}'))) return { kind: 'string', value: null };
    return { kind: 'string', value: decodeStringBody(body, token.raw) };
  }
}
