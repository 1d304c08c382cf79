/**
 * Python literal tokens → the JSON `json.dumps(..., ensure_ascii=False)` writes for their values,
 * for the pythonic tool-call scanner: string bodies with Python's escapes, int literals (any
 * size, any base) and float literals (written back as Python's `repr`). Each function is one
 * linear pass over a complete token and returns null for what Python's parser refuses.
 */

/** A literal's value as the scanner needs it: its JSON, and for numbers what unary minus needs. */
export type NumberValue = { readonly kind: 'int'; readonly digits: string } | { readonly kind: 'float'; readonly value: number };

/** Python refuses to convert ints longer than this to or from text (sys.int_info.default_max_str_digits). */
const MAX_INT_DIGITS = 4300;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Python string prefixes the scanner accepts (bytes are refused by the caller: no JSON value). */
export function stringPrefix(word: string): { raw: boolean; bytes: boolean; format: boolean } | undefined {
  const lower = word.toLowerCase();
  if (!['', 'r', 'u', 'f', 'b', 'br', 'rb', 'fr', 'rf'].includes(lower)) return undefined;
  return { raw: lower.includes('r'), bytes: lower.includes('b'), format: lower.includes('f') };
}

/**
 * The value of a string literal's body (between its quotes). Newlines in the source read as "\n"
 * whatever their form, as Python's tokenizer translates them. null for an escape Python refuses
 * (`\x4`, `\u12`, a code point past U+10FFFF) or cannot be resolved here (`\N{…}`: no name table).
 */
export function decodeStringBody(body: string, raw: boolean): string | null {
  let out = '';
  let from = 0; // start of the pending run of plain characters
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\r') {
      out += body.slice(from, i) + '\n';
      if (body[i + 1] === '\n') i++;
      from = i + 1;
      continue;
    }
    if (c !== '\\' || raw) {
      // A raw string keeps both characters, but the next one cannot end it.
      if (c === '\\' && body[i + 1] !== '\r') i++;
      continue;
    }
    out += body.slice(from, i);
    const next = body[i + 1];
    if (next === undefined) return null;
    i++;
    if (next === '\n' || next === '\r') {
      if (next === '\r' && body[i + 1] === '\n') i++; // a backslash-newline continues the line
    } else if (SIMPLE_ESCAPES[next] !== undefined) {
      out += SIMPLE_ESCAPES[next];
    } else if (isOctal(next)) {
      let end = i + 1;
      while (end < i + 3 && isOctal(body[end])) end++;
      out += String.fromCharCode(parseInt(body.slice(i, end), 8));
      i = end - 1;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + length);
      if (hex.length < length || !Array.from(hex).every(isHex)) return null;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) return null;
      out += String.fromCodePoint(code);
      i += length;
    } else if (next === 'N') {
      return null;
    } else {
      out += '\\' + next; // an unknown escape keeps its backslash (Python warns, no error)
    }
    from = i + 1;
  }
  return out + body.slice(from);
}

/** `digit (["_"] digit)*` from `i`; the end offset, or -1 when there is no such run at `i`. */
function digitPart(token: string, i: number, digit: (c: string | undefined) => boolean): number {
  if (!digit(token[i])) return -1;
  let j = i + 1;
  for (;;) {
    if (digit(token[j])) j++;
    else if (token[j] === '_' && digit(token[j + 1])) j += 2;
    else return j;
  }
}

/**
 * A number token (digits, letters, `_`, `.`, an exponent sign) as Python reads it: ints of any
 * size and base, floats correctly rounded. null for invalid literals (`07`, `1_`, `1e`), imaginary
 * ones (no JSON value), floats that overflow (json.dumps would write `Infinity`) and ints longer
 * than Python converts.
 */
export function parseNumber(token: string): NumberValue | null {
  const base = /^0[xob]/i.test(token) ? token[1]!.toLowerCase() : '';
  if (base !== '') {
    const digit = base === 'x' ? isHex : base === 'o' ? isOctal : (c: string | undefined) => c === '0' || c === '1';
    const start = token[2] === '_' ? 3 : 2;
    if (digitPart(token, start, digit) !== token.length) return null;
    return intValue(BigInt('0' + base + token.slice(start).replace(/_/g, '')).toString());
  }
  const intEnd = digitPart(token, 0, isDigit);
  let end = intEnd < 0 ? 0 : intEnd;
  let isFloat = false;
  if (token[end] === '.') {
    isFloat = true;
    const fractionEnd = digitPart(token, end + 1, isDigit);
    if (fractionEnd < 0 && intEnd < 0) return null;
    end = fractionEnd < 0 ? end + 1 : fractionEnd;
  } else if (intEnd < 0) {
    return null;
  }
  if (token[end] === 'e' || token[end] === 'E') {
    isFloat = true;
    const signed = token[end + 1] === '+' || token[end + 1] === '-' ? end + 2 : end + 1;
    end = digitPart(token, signed, isDigit);
    if (end < 0) return null;
  }
  if (end !== token.length) return null;
  const plain = token.replace(/_/g, '');
  if (!isFloat) {
    // Leading zeros only in zero itself ("00" is 0; "07" is a SyntaxError).
    if (/^0+$/.test(plain)) return intValue('0');
    return plain[0] === '0' ? null : intValue(plain);
  }
  const value = Number(plain);
  return Number.isFinite(value) ? { kind: 'float', value } : null;
}

function intValue(digits: string): NumberValue | null {
  return digits.replace(/^-/, '').length > MAX_INT_DIGITS ? null : { kind: 'int', digits };
}

/** `-x` of a number value. */
export function negate(number: NumberValue): NumberValue {
  if (number.kind === 'float') return { kind: 'float', value: -number.value };
  const { digits } = number;
  return { kind: 'int', digits: digits === '0' ? '0' : digits.startsWith('-') ? digits.slice(1) : '-' + digits };
}

/** The JSON json.dumps writes for a number: ints in full, floats as Python's repr. */
export function numberJson(number: NumberValue): string {
  return number.kind === 'int' ? number.digits : pythonFloatRepr(number.value);
}

/**
 * Python's `repr(float)`: the shortest round-trip digits (as JavaScript's), positional when the
 * decimal exponent is in [-4, 16) with at least one fraction digit ("100.0"), otherwise
 * scientific with a signed, at least two-digit exponent ("1e+16", "1.5e-07").
 */
export function pythonFloatRepr(value: number): string {
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const [mantissa = '0', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? '.' + digits.slice(1) : '';
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const point = exponent + 1; // digits before the decimal point
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
