import { KilnError } from '@kiln/common';

/**
 * Symbolic tensor dimensions in a plan are small arithmetic expressions over the model's
 * symbolic input dims, as @kiln/onnx-tools' shape inference prints them: `N`, `3*N`,
 * `floor((H-1)/2)+1`, `ceil(S/4)`, `[batch size]`. Grammar (`/` is exact division, rounded
 * down only by `floor` or at the end; `%` is the floor modulo):
 *
 *   expr   := term (('+' | '-') term)*
 *   term   := unary (('*' | '/' | '%') unary)*
 *   unary  := '-' unary | atom
 *   atom   := integer | name | '[' any text ']' | name '(' expr (',' expr)* ')' | '(' expr ')'
 *   name   := [A-Za-z_][A-Za-z0-9_.:]*     functions: floor, ceil, max, min, mod
 *
 * Expressions are compiled once (when the plan loads) into closures; evaluation happens when
 * input shapes are set, never per layer per run.
 */
export type DimExpression = (symbols: ReadonlyMap<string, number>) => number;

export function compileDim(source: string | number): DimExpression {
  if (typeof source === 'number') {
    if (!Number.isSafeInteger(source)) throw badExpression(String(source), 'not an integer');
    return () => source;
  }
  const parser = new Parser(source);
  const expression = parser.parseExpression();
  parser.expectEnd();
  // Exact divisions give integers; anything else is rounded down, as ONNX shape formulas do.
  return (symbols) => Math.floor(expression(symbols) + 1e-9);
}

/** The symbols an expression mentions (to check that input shapes bind them all). */
export function dimSymbols(source: string | number): string[] {
  if (typeof source === 'number') return [];
  const names: string[] = source.match(/\[[^\]]*\]|[A-Za-z_][A-Za-z0-9_.:]*/g) ?? [];
  return names.filter((name, index) => !FUNCTIONS.has(name) && names.indexOf(name) === index);
}

const FUNCTIONS = new Map<string, (values: number[]) => number>([
  ['max', (values) => Math.max(...values)],
  ['min', (values) => Math.min(...values)],
  ['floor', (values) => Math.floor(values[0]! + 1e-9)],
  ['ceil', (values) => Math.ceil(values[0]! - 1e-9)],
  ['mod', (values) => values[0]! - Math.floor(values[0]! / values[1]!) * values[1]!],
]);

class Parser {
  private position = 0;
  constructor(private readonly source: string) {}

  parseExpression(): DimExpression {
    let left = this.parseTerm();
    for (;;) {
      const operator = this.peek();
      if (operator !== '+' && operator !== '-') return left;
      this.position++;
      const right = this.parseTerm();
      const a = left;
      left = operator === '+' ? (s) => a(s) + right(s) : (s) => a(s) - right(s);
    }
  }

  private parseTerm(): DimExpression {
    let left = this.parseUnary();
    for (;;) {
      const operator = this.peek();
      if (operator !== '*' && operator !== '/' && operator !== '%') return left;
      this.position++;
      const right = this.parseUnary();
      const a = left;
      const where = this.source;
      if (operator === '*') left = (s) => a(s) * right(s);
      else if (operator === '/') left = (s) => a(s) / nonZero(right(s), where);
      else left = (s) => ((a(s) % nonZero(right(s), where)) + right(s)) % right(s);
    }
  }

  private parseUnary(): DimExpression {
    if (this.peek() === '-') {
      this.position++;
      const inner = this.parseUnary();
      return (s) => -inner(s);
    }
    return this.parseAtom();
  }

  private parseAtom(): DimExpression {
    const char = this.peek();
    if (char === '(') {
      this.position++;
      const inner = this.parseExpression();
      this.expect(')');
      return inner;
    }
    const rest = this.source.slice(this.position);
    const integer = /^\d+/.exec(rest);
    if (integer) {
      this.position += integer[0].length;
      const value = Number(integer[0]);
      return () => value;
    }
    const name = /^\[[^\]]*\]|^[A-Za-z_][A-Za-z0-9_.:]*/.exec(rest);
    if (!name) throw badExpression(this.source, `unexpected ${char === undefined ? 'end' : `"${char}"`} at ${this.position}`);
    this.position += name[0].length;
    const symbol = name[0];
    const fn = FUNCTIONS.get(symbol);
    if (fn && this.peek() === '(') {
      this.position++;
      const args = [this.parseExpression()];
      while (this.peek() === ',') {
        this.position++;
        args.push(this.parseExpression());
      }
      this.expect(')');
      return (s) => fn(args.map((arg) => arg(s)));
    }
    const where = this.source;
    return (s) => {
      const value = s.get(symbol);
      if (value === undefined) throw unbound(symbol, where);
      return value;
    };
  }

  private peek(): string | undefined {
    while (this.source[this.position] === ' ') this.position++;
    return this.source[this.position];
  }

  private expect(char: string): void {
    if (this.peek() !== char) throw badExpression(this.source, `expected "${char}" at ${this.position}`);
    this.position++;
  }

  expectEnd(): void {
    if (this.peek() !== undefined) throw badExpression(this.source, `unexpected "${this.peek()}" at ${this.position}`);
  }
}

function nonZero(value: number, where: string): number {
  if (value === 0) throw badExpression(where, 'division by zero for these input shapes');
  return value;
}

function badExpression(source: string, reason: string): KilnError {
  return new KilnError('ERR_PLAN_CORRUPT', `A dimension expression in the plan cannot be read: ${reason}.`, {
    expected: 'integer arithmetic over symbolic dims, e.g. "N*3" or "(S-1)/2+1"',
    found: JSON.stringify(source),
    hint: 'Rebuild the plan with this Kiln version.',
  });
}

function unbound(symbol: string, source: string): KilnError {
  return new KilnError('ERR_SHAPE', `Dimension "${source}" needs the value of "${symbol}", which no input shape provides.`, {
    expected: `input shapes that bind "${symbol}"`,
    found: 'no binding',
    hint: 'Set every input shape with setInputShape() before running.',
  });
}
