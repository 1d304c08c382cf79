/**
 * The `calculate` tool's evaluator: arithmetic only, parsed by hand (never `eval` or `Function`).
 *
 *   expression := sum
 *   sum        := product (('+' | '-') product)*
 *   product    := unary (('*' | '/' | '%') unary)*
 *   unary      := ('+' | '-') unary | power
 *   power      := primary (('^' | '**') unary)?          (right-associative; -2^2 is -4)
 *   primary    := number | '(' sum ')'
 *
 * Numbers are decimals with an optional exponent; `×` and `÷` are read as `*` and `/`. Anything
 * else — names, calls, assignments — is a syntax error, so a model's arguments can only ever be
 * arithmetic.
 */

type Token = { kind: 'number'; value: number } | { kind: 'op'; value: string };

const MAX_LENGTH = 200;

/** Evaluates `expression`; throws an Error (shown to the model as the tool's error) when it is not arithmetic. */
export function evaluateArithmetic(expression: string): number {
  if (expression.length > MAX_LENGTH) throw new Error(`expression longer than ${MAX_LENGTH} characters`);
  const parser = new Parser(tokenize(expression));
  const value = parser.parse();
  if (!Number.isFinite(value)) throw new Error('the result is not a finite number (division by zero?)');
  return value;
}

/** A result as the tool reports it: at most 4 decimals, `-0` as 0. */
export function roundResult(value: number): number {
  const rounded = Math.round(value * 1e4) / 1e4;
  return Object.is(rounded, -0) ? 0 : rounded;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(\*\*|[-+*/%^()×÷]))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (match === null) throw new Error(`unexpected character ${JSON.stringify(text.slice(index).trim()[0])}`);
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]) });
    else tokens.push({ kind: 'op', value: match[2] === '×' ? '*' : match[2] === '÷' ? '/' : match[2]! });
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): number {
    if (this.tokens.length === 0) throw new Error('empty expression');
    const value = this.sum();
    const extra = this.tokens[this.position];
    if (extra !== undefined) throw new Error(`unexpected ${JSON.stringify(String(extra.value))}`);
    return value;
  }

  private sum(): number {
    let value = this.product();
    for (let op = this.takeOp('+', '-'); op !== undefined; op = this.takeOp('+', '-')) {
      value = op === '+' ? value + this.product() : value - this.product();
    }
    return value;
  }

  private product(): number {
    let value = this.unary();
    for (let op = this.takeOp('*', '/', '%'); op !== undefined; op = this.takeOp('*', '/', '%')) {
      const right = this.unary();
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  }

  private unary(): number {
    const sign = this.takeOp('+', '-');
    if (sign !== undefined) return sign === '-' ? -this.unary() : this.unary();
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    return this.takeOp('^', '**') !== undefined ? base ** this.unary() : base;
  }

  private primary(): number {
    const token = this.tokens[this.position++];
    if (token === undefined) throw new Error('the expression ends too early');
    if (token.kind === 'number') return token.value;
    if (token.value !== '(') throw new Error(`unexpected ${JSON.stringify(token.value)}`);
    const value = this.sum();
    if (this.takeOp(')') === undefined) throw new Error('missing ")"');
    return value;
  }

  private takeOp(...ops: string[]): string | undefined {
    const token = this.tokens[this.position];
    if (token?.kind !== 'op' || !ops.includes(token.value)) return undefined;
    this.position++;
    return token.value;
  }
}
