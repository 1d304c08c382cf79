/**
 * Python's json module as transformers' chat templates see it: `json.loads` keeping key order and
 * float-ness (vLLM parses tool-call arguments before rendering), and `json.dumps` for `tojson`,
 * over @huggingface/jinja's runtime values.
 */
import type { Environment } from '@huggingface/jinja';

type RuntimeValue = ReturnType<Environment['set']>;

/** A JSON number json.loads makes a float (it has a fraction or exponent): tojson prints `1.0`. */
export class PythonFloat { constructor(readonly value: number) {} }

/**
 * json.loads: objects become Maps in source key order (Python dicts keep it; JS objects move
 * integer-like keys first), numbers with a fraction or exponent become PythonFloat.
 */
export function parsePythonJson(text: string): unknown {
  let at = 0;
  const fail = (): never => { throw new SyntaxError(`invalid JSON at ${at}`); };
  const skipSpace = (): void => { while (' \t\n\r'.includes(text[at] ?? 'x')) at++; };
  const expect = (char: string): void => { skipSpace(); if (text[at] !== char) fail(); at++; };
  const parseString = (): string => {
    const start = at++;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    if (at >= text.length) fail();
    return JSON.parse(text.slice(start, ++at)) as string;
  };
  const parseValue = (): unknown => {
    skipSpace();
    const char = text[at];
    if (char === '"') return parseString();
    if (char === '{' || char === '[') {
      at++;
      const [close, object, array] = [char === '{' ? '}' : ']', new Map<string, unknown>(), [] as unknown[]];
      skipSpace();
      if (text[at] === close) { at++; return char === '{' ? object : array; }
      for (;;) {
        if (char === '{') {
          skipSpace();
          if (text[at] !== '"') fail();
          const key = parseString();
          expect(':');
          object.set(key, parseValue());
        } else array.push(parseValue());
        skipSpace();
        if (text[at] === close) { at++; return char === '{' ? object : array; }
        expect(',');
      }
    }
    const literal = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at))?.[0] ?? fail();
    at += literal.length;
    if (literal === 'true' || literal === 'false' || literal === 'null') return JSON.parse(literal) as unknown;
    return /[.eE]/.test(literal) ? new PythonFloat(Number(literal)) : Number(literal);
  };
  const value = parseValue();
  skipSpace();
  if (at !== text.length) fail();
  return value;
}

export interface JsonOptions { indent: string | null; itemSeparator: string; keySeparator: string; sortKeys: boolean; ensureAscii: boolean }

export function pythonJson(value: RuntimeValue, options: JsonOptions, depth: number): string {
  const nested = (items: string[], open: string, close: string): string => {
    if (items.length === 0) return open + close;
    if (options.indent === null) return open + items.join(options.itemSeparator) + close;
    const inner = '\n' + options.indent.repeat(depth + 1);
    return open + inner + items.join(options.itemSeparator + inner) + '\n' + options.indent.repeat(depth) + close;
  };
  switch (value.type) {
    case 'NullValue': return 'null';
    case 'BooleanValue': return value.value ? 'true' : 'false';
    // A JS integer Python would have parsed as a float (1e+21 on the wire) prints as one.
    case 'IntegerValue': { const text = JSON.stringify(value.value); return text.includes('e') ? pythonFloat(value.value as number) : text; }
    case 'FloatValue': return pythonFloat(value.value as number);
    case 'StringValue': return jsonString(value.value as string, options.ensureAscii);
    case 'ArrayValue': case 'TupleValue':
      return nested((value.value as RuntimeValue[]).map((item) => pythonJson(item, options, depth + 1)), '[', ']');
    case 'ObjectValue': {
      const entries = [...(value.value as Map<string, RuntimeValue>)];
      if (options.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const items = entries.map(([key, item]) => jsonString(key, options.ensureAscii) + options.keySeparator + pythonJson(item, options, depth + 1));
      return nested(items, '{', '}');
    }
    default: throw new TypeError(`Object of type ${value.type} is not JSON serializable`);
  }
}

function jsonString(text: string, ensureAscii: boolean): string {
  const quoted = JSON.stringify(text);
  return ensureAscii ? quoted.replace(/[\u007f-\uffff]/g, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0')) : quoted;
}

/** Python's float repr: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exponentText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = x < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const power = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    return `${sign}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${power}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
}
