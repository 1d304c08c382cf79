/**
 * jinja2's behaviour where @huggingface/jinja lacks it or answers as JavaScript would, for the
 * chat-template interpreter to consult before the library's own: the `format` and `string`
 * filters, select/rejectattr on a missing attribute, and Python's `==` / `in`.
 */
import { Environment } from '@huggingface/jinja';
import { percentFormat } from './python-format.ts';
import { pythonEquals, pythonStr, type RuntimeValue } from './python-values.ts';

type BinaryNode = { operator: { value: string }; left: unknown; right: unknown };
type RuntimeClass = new (value: unknown) => RuntimeValue;

// The library's value classes are not exported; take them from values it converts itself.
const scratch = new Environment();
function classOf(value: unknown): RuntimeClass {
  scratch.variables.delete('value');
  return scratch.set('value', value).constructor as RuntimeClass;
}
const [StringValue, ArrayValue, BooleanValue, UndefinedValue] = ['', [], true, undefined].map(classOf) as [RuntimeClass, RuntimeClass, RuntimeClass, RuntimeClass];

/** `==`, `!=`, `in` and `not in` a list by Python's equality (dicts by value); undefined: the library's. */
export function pythonBinary(node: BinaryNode, scope: Environment, evaluate: (node: unknown, scope: Environment) => RuntimeValue): RuntimeValue | undefined {
  const operator = node.operator.value;
  if (operator !== '==' && operator !== '!=' && operator !== 'in' && operator !== 'not in') return undefined;
  const [left, right] = [evaluate(node.left, scope), evaluate(node.right, scope)];
  if (operator === '==' || operator === '!=') return new BooleanValue(pythonEquals(left, right) === (operator === '=='));
  if (right.type !== 'ArrayValue' && right.type !== 'TupleValue') return undefined; // strings, dicts: the library's
  return new BooleanValue((right.value as RuntimeValue[]).some((item) => pythonEquals(left, item)) === (operator === 'in'));
}

/**
 * jinja2 filters the library lacks or answers otherwise: `format` (Python %), `string` (str(): a
 * dict prints as Python does), and select/rejectattr, which hand a missing attribute to the test
 * as Undefined (Mistral's `selectattr("tool_calls", "undefined")`). undefined: the library's.
 */
export function pythonFilter(name: string, operand: RuntimeValue, args: () => [RuntimeValue[], Map<string, RuntimeValue>], scope: Environment): RuntimeValue | undefined {
  if (!['format', 'string', 'selectattr', 'rejectattr'].includes(name)) return undefined;
  const [positional, keywords] = args();
  if (name === 'string') return new StringValue(pythonStr(operand));
  if (name === 'format') {
    if (positional.length > 0 && keywords.size > 0) throw new Error("format can't handle positional and keyword arguments at the same time");
    return new StringValue(percentFormat(pythonStr(operand), keywords.size > 0 ? keywords : positional));
  }
  if (operand.type !== 'ArrayValue' && operand.type !== 'TupleValue') throw new Error(`${name} needs a list, not ${operand.type}`);
  const [attribute, testName, ...testArgs] = positional;
  const test = testName === undefined ? undefined : scope.tests.get(String(testName.value));
  if (testName !== undefined && test === undefined) throw new Error(`no test named '${String(testName.value)}'`);
  const passes = (value: RuntimeValue): boolean => (test === undefined ? value.__bool__().value : test(value, ...testArgs));
  const path = String(attribute?.value ?? '').split('.');
  const attributeOf = (item: RuntimeValue): RuntimeValue =>
    path.reduce((value, key) => (value.value instanceof Map ? (value.value.get(key) as RuntimeValue | undefined) : undefined) ?? new UndefinedValue(undefined), item);
  return new ArrayValue((operand.value as RuntimeValue[]).filter((item) => passes(attributeOf(item)) === (name === 'selectattr')));
}
