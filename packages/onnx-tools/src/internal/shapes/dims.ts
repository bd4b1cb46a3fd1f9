import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import * as S from './symbolic.js';
import { type Dim, type ShapeContext, formatDims, shapeError } from './types.js';

/** The canonical spelling of a dim (`'N*3'` → `'3*N'`, `'2+1'` → 3). */
export function canonical(dim: Dim): Dim {
  return typeof dim === 'number' ? dim : S.fromPoly(S.toPoly(dim));
}

/** True when the two dims are known to be equal. */
export function sameDim(a: Dim, b: Dim): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return false;
  return canonical(a) === canonical(b);
}

export function addDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return S.fromPoly(S.add(S.toPoly(a), S.toPoly(b)));
}

export function subDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return S.fromPoly(S.subtract(S.toPoly(a), S.toPoly(b)));
}

export function mulDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  return S.fromPoly(S.multiply(S.toPoly(a), S.toPoly(b)));
}

/** Floor division, exact when the divisor divides the dividend symbolically. */
export function divDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return Math.floor(a / b);
  return S.fromPoly(S.floorDiv(S.toPoly(a), S.toPoly(b)));
}

export function ceilDivDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return Math.ceil(a / b);
  return S.fromPoly(S.ceilDiv(S.toPoly(a), S.toPoly(b)));
}

/** Exact quotient, or undefined when `b` does not divide `a` (symbolically). */
export function divExact(a: Dim, b: Dim): Dim | undefined {
  if (typeof a === 'number' && typeof b === 'number') return b !== 0 && a % b === 0 ? a / b : undefined;
  const q = S.divideExact(S.toPoly(a), S.toPoly(b));
  return q === undefined ? undefined : S.fromPoly(q);
}

export function minDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return Math.min(a, b);
  return S.fromPoly(S.minimum(S.toPoly(a), S.toPoly(b)));
}

export function maxDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return Math.max(a, b);
  return S.fromPoly(S.maximum(S.toPoly(a), S.toPoly(b)));
}

export function product(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((acc, d) => mulDims(acc, d), 1);
}

/**
 * Broadcasts two dims the numpy way: 1 broadcasts; equal dims match; a known extent wins over
 * a symbol (the symbol must equal it at run time); two different symbols give a fresh symbol.
 */
export function broadcastDim(a: Dim, b: Dim, context: ShapeContext): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (sameDim(a, b)) return a;
  if (typeof a === 'number' && typeof b === 'number') {
    throw shapeError(context, 'shapes cannot be broadcast', { expected: `${a} or 1`, found: `${b}` });
  }
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return context.freshDim();
}

/** Numpy-style multidirectional broadcasting of any number of shapes. */
export function broadcastShapes(shapes: readonly (readonly Dim[])[], context: ShapeContext): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const shape of shapes) {
      const d = shape[shape.length - rank + i];
      if (d === undefined) continue;
      try {
        dim = broadcastDim(dim, d, context);
      } catch {
        throw shapeError(context, 'shapes cannot be broadcast', {
          expected: 'shapes compatible under numpy broadcasting',
          found: shapes.map(formatDims).join(' and '),
        });
      }
    }
    out.push(dim);
  }
  return out;
}

/** Normalises a possibly negative axis into [0, rank). */
export function normalizeAxis(axis: number, rank: number, context: ShapeContext): number {
  const out = axis < 0 ? axis + rank : axis;
  if (out < 0 || out >= rank || !Number.isInteger(out)) {
    throw shapeError(context, 'axis out of range', { expected: `an axis in [${-rank}, ${rank - 1}]`, found: `${axis}` });
  }
  return out;
}

/** A tensor's elements as JS numbers (bigints converted; huge int64 sentinels lose precision). */
export function tensorNumbers(tensor: Tensor): number[] {
  const data = tensor.data as ArrayLike<number | bigint | string>;
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) out.push(Number(data[i]));
  return out;
}

export function intAttribute(attributes: Attributes, name: string, fallback: number): number;
export function intAttribute(attributes: Attributes, name: string): number | undefined;
export function intAttribute(attributes: Attributes, name: string, fallback?: number): number | undefined {
  const a = attributes.get(name);
  return a?.type === 'int' || a?.type === 'float' ? a.value : fallback;
}

export function intsAttribute(attributes: Attributes, name: string): number[] | undefined {
  const a = attributes.get(name);
  return a?.type === 'ints' || a?.type === 'floats' ? a.value : undefined;
}

export function floatAttribute(attributes: Attributes, name: string, fallback: number): number {
  const a = attributes.get(name);
  return a?.type === 'float' || a?.type === 'int' ? a.value : fallback;
}

export function stringAttribute(attributes: Attributes, name: string, fallback: string): string {
  const a = attributes.get(name);
  return a?.type === 'string' ? a.value : fallback;
}

/** The values of an optional int-list input, as numbers when all are known numbers. */
export function numbersOf(values: readonly Dim[] | undefined): number[] | undefined {
  if (values === undefined) return undefined;
  return values.every((v) => typeof v === 'number') ? (values as number[]) : undefined;
}

/** Throws unless `dims` has the given rank (skipped when unknown). */
export function expectRank(dims: readonly Dim[] | undefined, rank: number, what: string, context: ShapeContext): void {
  if (dims !== undefined && dims.length !== rank) {
    throw shapeError(context, `${what} has the wrong rank`, { expected: `rank ${rank}`, found: `rank ${dims.length} ${formatDims(dims)}` });
  }
}
