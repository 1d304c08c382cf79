/**
 * Python's view of @huggingface/jinja's runtime values, where chat templates depend on it and the
 * library answers as JavaScript would: `str()` / `repr()` (a template printing a dict or `True`)
 * and `==` (dict equality, `1 == '1'` false, `none == undefined` false).
 */
import type { Environment } from '@huggingface/jinja';
import { pythonJson } from './python-json.ts';

export type RuntimeValue = ReturnType<Environment['set']>;

const isMapping = (value: RuntimeValue): boolean => value.type === 'ObjectValue' || value.type === 'KeywordArgumentsValue';
const isNumber = (value: RuntimeValue): boolean => value.type === 'IntegerValue' || value.type === 'FloatValue' || value.type === 'BooleanValue';

/** Python's type name, for error messages (`not NoneType`). */
export function pythonTypeName(value: RuntimeValue): string {
  const names: Record<string, string> = {
    NullValue: 'NoneType', BooleanValue: 'bool', IntegerValue: 'int', FloatValue: 'float', StringValue: 'str',
    ArrayValue: 'list', TupleValue: 'tuple', ObjectValue: 'dict', KeywordArgumentsValue: 'dict', UndefinedValue: 'Undefined',
  };
  return names[value.type] ?? 'function';
}

/** `str(value)`: a string as is, jinja2's Undefined as '', everything else its repr. */
export function pythonStr(value: RuntimeValue): string {
  if (value.type === 'StringValue') return value.value as string;
  if (value.type === 'UndefinedValue') return '';
  return pythonRepr(value);
}

/** `repr(value)`, as Python prints containers: `{'a': [1, 2.0, True, None]}`. */
export function pythonRepr(value: RuntimeValue): string {
  switch (value.type) {
    case 'NullValue': return 'None';
    case 'UndefinedValue': return 'Undefined';
    case 'BooleanValue': return value.value ? 'True' : 'False';
    // Python ints are exact: 10**21 prints in full where JavaScript would write 1e+21.
    case 'IntegerValue': return Number.isSafeInteger(value.value) ? String(value.value) : BigInt(value.value as number).toString();
    case 'FloatValue': return floatRepr(value);
    case 'StringValue': return stringRepr(value.value as string);
    case 'ArrayValue': return `[${(value.value as RuntimeValue[]).map(pythonRepr).join(', ')}]`;
    case 'TupleValue': {
      const items = (value.value as RuntimeValue[]).map(pythonRepr);
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    }
    default:
      if (isMapping(value)) {
        const entries = [...(value.value as Map<string, RuntimeValue>)];
        return `{${entries.map(([key, item]) => `${stringRepr(key)}: ${pythonRepr(item)}`).join(', ')}}`;
      }
      return `<${value.type}>`;
  }
}

function floatRepr(value: RuntimeValue): string {
  const x = value.value as number;
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  // json.dumps writes a finite float as repr() does.
  return pythonJson(value, { indent: null, itemSeparator: ', ', keySeparator: ': ', sortKeys: false, ensureAscii: false }, 0);
}

/**
 * Python's str repr: single quotes unless the text has a ' and no ", backslash escapes for the
 * quote, \\, \n, \r, \t, and \xNN / \uNNNN / \UNNNNNNNN for characters Python does not print
 * (control, format, separator other than space, surrogate, private use, unassigned).
 */
function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const named: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', [quote]: '\\' + quote };
  const hidden = /[\\\n\r\t'"]|[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/gu;
  return quote + text.replace(hidden, (char) => {
    const escape = named[char];
    if (escape !== undefined) return escape;
    if (char === "'" || char === '"') return char; // the other quote
    const code = char.codePointAt(0) ?? 0;
    const hex = code.toString(16);
    return code < 0x100 ? `\\x${hex.padStart(2, '0')}` : code < 0x10000 ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
  }) + quote;
}

/** Python's `==`: by value for containers (dicts ignoring order), numbers across int/float/bool. */
export function pythonEquals(left: RuntimeValue, right: RuntimeValue): boolean {
  if (isNumber(left) && isNumber(right)) return Number(left.value) === Number(right.value);
  if (isMapping(left) && isMapping(right)) {
    const [a, b] = [left.value as Map<string, RuntimeValue>, right.value as Map<string, RuntimeValue>];
    if (a.size !== b.size) return false;
    for (const [key, item] of a) {
      const other = b.get(key);
      if (other === undefined || !pythonEquals(item, other)) return false;
    }
    return true;
  }
  if (left.type !== right.type) return false;
  if (left.type === 'ArrayValue' || left.type === 'TupleValue') {
    const [a, b] = [left.value as RuntimeValue[], right.value as RuntimeValue[]];
    return a.length === b.length && a.every((item, index) => pythonEquals(item, b[index] as RuntimeValue));
  }
  return left.type === 'NullValue' || left.type === 'UndefinedValue' || left.value === right.value;
}
