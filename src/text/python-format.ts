/**
 * Python's `%` string formatting, which jinja2's `format` filter is (`"%s" | format(value)` in the
 * Llama 3.2 pythonic template prints a tool-call argument as Python would: `True`, `None`, `1.0`,
 * `{'a': [1]}`). @huggingface/jinja has no such filter.
 */
import { pythonRepr, pythonStr, pythonTypeName, type RuntimeValue } from './python-values.ts';

/** One `%[(key)][flags][width][.precision][length]type` directive. */
const DIRECTIVE = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)/gs;

/**
 * `format % args`: `args` is the positional tuple, or the keyword dict (`format(name=...)`),
 * which `%(name)s` reads and a bare `%s` prints whole, as Python does with a mapping.
 * Throws TypeError / ValueError with Python's messages.
 */
export function percentFormat(format: string, args: readonly RuntimeValue[] | ReadonlyMap<string, RuntimeValue>): string {
  const mapping = Array.isArray(args) ? undefined : (args as ReadonlyMap<string, RuntimeValue>);
  const positional = mapping === undefined ? (args as readonly RuntimeValue[]) : [mappingValue(mapping)];
  let next = 0;
  const take = (): RuntimeValue => {
    const value = positional[next++];
    if (value === undefined) throw new TypeError('not enough arguments for format string');
    return value;
  };
  const takeNumber = (spec: string | undefined): number | undefined => {
    if (spec !== '*') return spec === undefined ? undefined : Number(spec);
    const value = take();
    if (value.type !== 'IntegerValue') throw new TypeError('* wants int');
    return value.value as number;
  };
  const out = format.replace(DIRECTIVE, (whole, key: string | undefined, flags: string, widthSpec, precisionSpec, type: string, at: number) => {
    if (type === '%' && whole === '%%') return '%';
    const width = takeNumber(widthSpec as string | undefined);
    const precision = takeNumber(precisionSpec as string | undefined);
    let value: RuntimeValue;
    if (key === undefined) value = take();
    else {
      if (mapping === undefined) throw new TypeError('format requires a mapping');
      const found = mapping.get(key);
      if (found === undefined) throw new Error(`KeyError: '${key}'`);
      value = found;
    }
    const text = convert(value, type, flags, precision, at + whole.length - 1);
    return pad(text, width ?? 0, flags, /^[diufF]$/.test(type));
  });
  if (mapping === undefined && next < positional.length) throw new TypeError('not all arguments converted during string formatting');
  return out;
}

/** A mapping given as the arguments is itself the value of a bare `%s`. */
function mappingValue(mapping: ReadonlyMap<string, RuntimeValue>): RuntimeValue {
  return { type: 'ObjectValue', value: mapping } as unknown as RuntimeValue;
}

/** `index`: where the conversion character is, for Python's error message. */
function convert(value: RuntimeValue, type: string, flags: string, precision: number | undefined, index: number): string {
  switch (type) {
    case 's': return truncate(pythonStr(value), precision);
    case 'r': case 'a': return truncate(pythonRepr(value), precision);
    case 'd': case 'i': case 'u': return signed(Math.trunc(number(value, type)).toString(), flags);
    case 'f': case 'F': return signed(number(value, type).toFixed(precision ?? 6), flags);
    case '': throw new Error('ValueError: incomplete format');
    default: {
      const code = type.codePointAt(0) ?? 0;
      throw new Error(`ValueError: unsupported format character '${type}' (0x${code.toString(16)}) at index ${index}`);
    }
  }
}

function number(value: RuntimeValue, type: string): number {
  if (value.type === 'IntegerValue' || value.type === 'FloatValue') return value.value as number;
  if (value.type === 'BooleanValue') return value.value ? 1 : 0;
  throw new TypeError(`%${type} format: a real number is required, not ${pythonTypeName(value)}`);
}

const truncate = (text: string, precision: number | undefined): string => (precision === undefined ? text : text.slice(0, precision));

function signed(text: string, flags: string): string {
  if (text.startsWith('-')) return text;
  return flags.includes('+') ? '+' + text : flags.includes(' ') ? ' ' + text : text;
}

/** Width: left-justified with `-`, zero-filled after the sign with `0` (numbers only), else spaces. */
function pad(text: string, width: number, flags: string, numeric: boolean): string {
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  if (numeric && flags.includes('0')) {
    const sign = /^[-+ ]/.test(text) ? text.slice(0, 1) : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}
