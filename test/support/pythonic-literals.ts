/**
 * Random JSON values written as Python literals the way models write them (either quote, tuples
 * for arrays, escapes or raw characters, several spacings), and random pythonic model outputs
 * around them, for the pythonic tool-parser tests. The value a literal was written from is the
 * oracle: the parser's arguments must JSON.parse back to it.
 */
import type { Random } from './random.ts';

export const TRICKY_STRINGS = ['Paris', "it's", 'say "hi"', 'back\\slash', 'new\nline', 'tab\t', 'héllo 世界 😀', '', ')]', "'], x('", '{x}', 'None', '\u0001'];

export function randomValue(random: Random, depth: number): unknown {
  const kind = random.int(0, depth > 0 ? 5 : 3);
  if (kind === 0) return random.pick(TRICKY_STRINGS);
  if (kind === 1) return random.int(-1000, 1000) / random.pick([1, 4, 8]); // exact in binary
  if (kind === 2) return random.pick([true, false, null]);
  if (kind === 3) return random.pick(TRICKY_STRINGS) + random.pick(TRICKY_STRINGS);
  if (kind === 4) return Array.from({ length: random.int(0, 3) }, () => randomValue(random, depth - 1));
  return Object.fromEntries(Array.from({ length: random.int(0, 3) }, (_, i) => [`k${i}${random.pick(['', 'é', "'"])}`, randomValue(random, depth - 1)]));
}

/** A Python string literal for `text` in a random quote style. */
export function pythonString(text: string, random: Random): string {
  const quote = random.pick(["'", '"']);
  let body = '';
  for (const c of text) {
    if (c === '\\' || c === quote) body += '\\' + c;
    else if (c === '\n') body += random.pick(['\\n', '\\x0a', '\\012']);
    else if (c === '\t') body += random.pick(['\t', '\\t']);
    else if (c < ' ') body += '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
    else if (c === 'é' && random.next() < 0.3) body += '\\u00e9';
    else body += c;
  }
  // Sometimes two adjacent literals, which Python concatenates.
  if (/^[A-Za-z]./s.test(body) && random.next() < 0.1) return `${quote}${body[0]}${quote} ${quote}${body.slice(1)}${quote}`;
  return quote + body + quote;
}

/** A number literal for `value` (an integer or a multiple of 1/8); negative ones with a unary minus. */
function pythonNumber(value: number, random: Random): string {
  if (Number.isInteger(value)) return random.next() < 0.1 && value > 0 ? `+${value}` : String(value);
  return String(value); // e.g. 2.5, -0.125: Python reads the same double
}

export function pythonLiteral(value: unknown, random: Random, comma: string): string {
  if (value === null) return random.pick(['None', 'None', 'null']);
  if (typeof value === 'boolean') return random.next() < 0.8 ? (value ? 'True' : 'False') : String(value);
  if (typeof value === 'number') return pythonNumber(value, random);
  if (typeof value === 'string') return pythonString(value, random);
  if (Array.isArray(value)) {
    const items = value.map((item) => pythonLiteral(item, random, comma));
    if (random.next() < 0.2) return items.length === 1 ? `(${items[0]},)` : `(${items.join(comma)})`;
    return `[${items.join(comma)}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${pythonString(k, random)}: ${pythonLiteral(v, random, comma)}`).join(comma)}}`;
}

export interface GeneratedCall { readonly name: string; readonly args: Record<string, unknown>; readonly text: string }

export function randomCall(random: Random): GeneratedCall {
  const comma = random.pick([', ', ',', ',\n  ']);
  const name = random.pick(['get_weather', 'search', 'f', '_private2']);
  const keywords = ['city', 'query', 'n', 'options'].filter(() => random.next() < 0.5);
  const args = Object.fromEntries(keywords.map((keyword) => [keyword, randomValue(random, 2)]));
  const text = `${name}(${keywords.map((keyword) => `${keyword}=${pythonLiteral(args[keyword], random, comma)}`).join(comma)})`;
  return { name, args, text };
}

/** Ways a call can be broken: each makes the whole output content. */
export const BROKEN_CALLS = ['f(1)', 'f(a=x)', 'f(a=1 + 2)', "f(a='open", 'f(a=[1, 2)', "f(b=b'x')", 'f.g(a=1)', 'if(a=1)', 'f(a=1e999)', 'f(**k)', 'f(a=07)', 'f(a=-True)', "f(a=f'{x}')", 'f(a=1j)', 'f(a=(1, 2]', 'f(a={[1]: 2})', "f(a='\\N{BULLET}')"];
