/**
 * Integer expressions over symbolic dimensions.
 *
 * A dimension (`Dim`) is either a number or a string. Strings are symbols taken from the model
 * (`'N'`, `'batch'`, `'sequence_length'`), fresh unknowns created during inference (`'unk__3'`),
 * or expressions this module prints, such as `'3*N'`, `'N*S'`, `'S+1'`, `'floor((H-1)/2)'`.
 *
 * Internally an expression is a polynomial with integer coefficients whose variables are *atoms*:
 * a plain identifier, an opaque function term such as `floor(...)`, `ceil(...)`, `max(...)`, or
 * any other string wrapped in brackets (`[batch size]`). Printing is canonical (terms sorted, atoms
 * sorted), so two equal polynomials print to the same string and string equality is a sound (if
 * incomplete) test for equality of dims.
 */

/** A product of atoms (each repeated `power` times) → coefficient. Key '' is the constant term. */
export type Poly = Map<string, number>;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.:]*$/;

function monomialKey(atoms: readonly string[]): string {
  return [...atoms].sort().join('*');
}

function monomialAtoms(key: string): string[] {
  return key === '' ? [] : splitTopLevel(key, '*');
}

/** Splits on a separator character outside (), [] nesting. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function constant(value: number): Poly {
  return value === 0 ? new Map() : new Map([['', value]]);
}

export function atom(name: string): Poly {
  return new Map([[name, 1]]);
}

function addTerm(poly: Poly, key: string, coefficient: number): void {
  const next = (poly.get(key) ?? 0) + coefficient;
  if (next === 0) poly.delete(key);
  else poly.set(key, next);
}

export function add(a: Poly, b: Poly): Poly {
  const out = new Map(a);
  for (const [key, c] of b) addTerm(out, key, c);
  return out;
}

export function scale(a: Poly, factor: number): Poly {
  const out: Poly = new Map();
  if (factor === 0) return out;
  for (const [key, c] of a) out.set(key, c * factor);
  return out;
}

export function subtract(a: Poly, b: Poly): Poly {
  return add(a, scale(b, -1));
}

export function multiply(a: Poly, b: Poly): Poly {
  const out: Poly = new Map();
  for (const [ka, ca] of a) {
    for (const [kb, cb] of b) {
      addTerm(out, monomialKey([...monomialAtoms(ka), ...monomialAtoms(kb)]), ca * cb);
    }
  }
  return out;
}

/** The constant value of `p`, or undefined when it has symbolic terms. */
export function asConstant(p: Poly): number | undefined {
  if (p.size === 0) return 0;
  if (p.size === 1 && p.has('')) return p.get('');
  return undefined;
}

/** Removes one occurrence of each atom of `divisor` from `key`, or undefined if not contained. */
function divideMonomial(key: string, divisor: string): string | undefined {
  const atoms = monomialAtoms(key);
  for (const a of monomialAtoms(divisor)) {
    const at = atoms.indexOf(a);
    if (at < 0) return undefined;
    atoms.splice(at, 1);
  }
  return monomialKey(atoms);
}

/** Exact division (every term divisible), or undefined. */
export function divideExact(a: Poly, b: Poly): Poly | undefined {
  if (a.size === 0) return constant(0);
  if (b.size !== 1) {
    // Polynomial divisor: only recognise a == k*b.
    const [firstKey, firstCoefficient] = [...b][0] ?? ['', 0];
    const aCoefficient = a.get(firstKey);
    if (aCoefficient === undefined || aCoefficient % firstCoefficient !== 0) return undefined;
    const factor = aCoefficient / firstCoefficient;
    return subtract(a, scale(b, factor)).size === 0 ? constant(factor) : undefined;
  }
  const [divisorKey, divisorCoefficient] = [...b][0] as [string, number];
  const out: Poly = new Map();
  for (const [key, c] of a) {
    const rest = divideMonomial(key, divisorKey);
    if (rest === undefined || c % divisorCoefficient !== 0) return undefined;
    addTerm(out, rest, c / divisorCoefficient);
  }
  return out;
}

function opaque(name: string, args: Poly[]): Poly {
  return atom(`${name}(${args.map(printPoly).join(',')})`);
}

export function floorDiv(a: Poly, b: Poly): Poly {
  const ca = asConstant(a);
  const cb = asConstant(b);
  if (cb === 1) return a;
  if (ca !== undefined && cb !== undefined && cb !== 0) return constant(Math.floor(ca / cb));
  const exact = divideExact(a, b);
  if (exact !== undefined) return exact;
  return atom(`floor(${wrap(a)}/${wrap(b)})`);
}

export function ceilDiv(a: Poly, b: Poly): Poly {
  const ca = asConstant(a);
  const cb = asConstant(b);
  if (cb === 1) return a;
  if (ca !== undefined && cb !== undefined && cb !== 0) return constant(Math.ceil(ca / cb));
  const exact = divideExact(a, b);
  if (exact !== undefined) return exact;
  return atom(`ceil(${wrap(a)}/${wrap(b)})`);
}

export function modulo(a: Poly, b: Poly): Poly {
  const ca = asConstant(a);
  const cb = asConstant(b);
  if (ca !== undefined && cb !== undefined && cb !== 0) return constant(ca - Math.floor(ca / cb) * cb);
  if (divideExact(a, b) !== undefined) return constant(0);
  return opaque('mod', [a, b]);
}

/**
 * True when `p` is known to be >= 0. Atoms stand for extents (never negative), so a polynomial
 * whose coefficients are all non-negative is non-negative.
 */
export function isNonNegative(p: Poly): boolean {
  for (const c of p.values()) if (c < 0) return false;
  return true;
}

export function minimum(a: Poly, b: Poly): Poly {
  const ca = asConstant(a);
  const cb = asConstant(b);
  if (ca !== undefined && cb !== undefined) return constant(Math.min(ca, cb));
  if (isNonNegative(subtract(b, a))) return a;
  if (isNonNegative(subtract(a, b))) return b;
  return opaque('min', [a, b].sort((x, y) => (printPoly(x) < printPoly(y) ? -1 : 1)));
}

export function maximum(a: Poly, b: Poly): Poly {
  const ca = asConstant(a);
  const cb = asConstant(b);
  if (ca !== undefined && cb !== undefined) return constant(Math.max(ca, cb));
  if (isNonNegative(subtract(a, b))) return a;
  if (isNonNegative(subtract(b, a))) return b;
  return opaque('max', [a, b].sort((x, y) => (printPoly(x) < printPoly(y) ? -1 : 1)));
}

function printAtom(name: string): string {
  if (IDENTIFIER.test(name)) return name;
  if (/^[A-Za-z_][A-Za-z0-9_]*\(.*\)$/.test(name) && parseFunctionCall(name, 0) === name.length) return name;
  return `[${name}]`;
}

function wrap(p: Poly): string {
  const text = printPoly(p);
  return p.size <= 1 && !text.startsWith('-') ? text : `(${text})`;
}

/** Canonical text of a polynomial; a number when constant. */
export function printPoly(p: Poly): string {
  const terms = [...p].sort(([ka], [kb]) => {
    if (ka === '') return 1;
    if (kb === '') return -1;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  if (terms.length === 0) return '0';
  let out = '';
  for (const [key, c] of terms) {
    const atoms = monomialAtoms(key).map(printAtom);
    const magnitude = Math.abs(c);
    const body = atoms.length === 0 ? `${magnitude}` : magnitude === 1 ? atoms.join('*') : `${magnitude}*${atoms.join('*')}`;
    if (out === '') out = c < 0 ? `-${body}` : body;
    else out += c < 0 ? `-${body}` : `+${body}`;
  }
  return out;
}

/** Returns the index just past a `name(...)` call starting at `start`, or -1. */
function parseFunctionCall(text: string, start: number): number {
  const match = /^[A-Za-z_][A-Za-z0-9_]*\(/.exec(text.slice(start));
  if (!match) return -1;
  let depth = 0;
  for (let i = start + match[0].length - 1; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

class Parser {
  position = 0;
  constructor(readonly text: string) {}

  expression(): Poly {
    let negate = false;
    if (this.text[this.position] === '-') {
      negate = true;
      this.position++;
    }
    let result = this.term();
    if (negate) result = scale(result, -1);
    while (this.position < this.text.length) {
      const c = this.text[this.position];
      if (c !== '+' && c !== '-') break;
      this.position++;
      const next = this.term();
      result = c === '+' ? add(result, next) : subtract(result, next);
    }
    return result;
  }

  term(): Poly {
    let result = this.factor();
    while (this.position < this.text.length) {
      const c = this.text[this.position];
      if (c !== '*' && c !== '/') break;
      this.position++;
      const next = this.factor();
      result = c === '*' ? multiply(result, next) : floorDiv(result, next);
    }
    return result;
  }

  factor(): Poly {
    const rest = this.text.slice(this.position);
    const number = /^\d+/.exec(rest);
    if (number) {
      this.position += number[0].length;
      return constant(Number(number[0]));
    }
    if (rest.startsWith('(')) {
      this.position++;
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (rest.startsWith('[')) {
      const end = this.text.indexOf(']', this.position);
      if (end < 0) throw new Error('unclosed [');
      const name = this.text.slice(this.position + 1, end);
      this.position = end + 1;
      return atom(name);
    }
    const call = parseFunctionCall(this.text, this.position);
    if (call > 0) {
      const name = this.text.slice(this.position, call);
      this.position = call;
      return atom(name);
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_.:]*/.exec(rest);
    if (identifier) {
      this.position += identifier[0].length;
      return atom(identifier[0]);
    }
    throw new Error(`unexpected '${rest[0] ?? 'end'}'`);
  }

  expect(c: string): void {
    if (this.text[this.position] !== c) throw new Error(`expected '${c}'`);
    this.position++;
  }
}

/** Parses a dim into a polynomial; a string that is not an expression is one atom. */
export function toPoly(dim: number | string): Poly {
  if (typeof dim === 'number') return constant(dim);
  const text = dim;
  try {
    const parser = new Parser(text);
    const result = parser.expression();
    if (parser.position === text.length && text.length > 0) return result;
  } catch {
    // Not an expression we understand: the whole string is one symbol.
  }
  return atom(dim);
}

/** A polynomial as a dim: a number when constant, else its canonical text. */
export function fromPoly(p: Poly): number | string {
  const value = asConstant(p);
  return value !== undefined ? value : printPoly(p);
}
