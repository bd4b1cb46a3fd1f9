// Element-wise unary math: one table entry per op.
import type { TensorType } from '../../tensor.js';
import type { OpRegistration } from './contract.js';
import { defineOp } from './util/define.js';
import { FLOAT_TYPES, INT_TYPES, NUMERIC_TYPES, SIGNED_INT_TYPES } from './util/dtype.js';
import { mapUnary } from './util/elementwise.js';
import { requireInput } from './util/attributes.js';

/** Error function (Abramowitz-Stegun 7.1.26 is too coarse; this uses a series / continued fraction). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series converges fast here.
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  if (ax > 6) return x < 0 ? -1 : 1;
  // erfc continued fraction (Lentz).
  const x2 = ax * ax;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + an / c;
    if (c === 0) c = 1e-300;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-x2) / (f * Math.sqrt(Math.PI));
  return x < 0 ? erfc - 1 : 1 - erfc;
}

/** Round half to even, as ONNX Round specifies. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

const F = FLOAT_TYPES;
const SIGNED_NUMERIC: readonly TensorType[] = [...FLOAT_TYPES, ...SIGNED_INT_TYPES];

interface UnaryEntry {
  op: string;
  since: number;
  types: readonly TensorType[];
  fn: (v: number) => number;
  big?: (v: bigint) => bigint;
  out?: TensorType;
}

const ENTRIES: UnaryEntry[] = [
  { op: 'Abs', since: 1, types: NUMERIC_TYPES, fn: Math.abs, big: (v) => (v < 0n ? -v : v) },
  { op: 'Neg', since: 1, types: SIGNED_NUMERIC, fn: (v) => -v, big: (v) => -v },
  { op: 'Sign', since: 9, types: NUMERIC_TYPES, fn: (v) => (Number.isNaN(v) ? NaN : v > 0 ? 1 : v < 0 ? -1 : 0), big: (v) => (v > 0n ? 1n : v < 0n ? -1n : 0n) },
  { op: 'Reciprocal', since: 1, types: F, fn: (v) => 1 / v },
  { op: 'Floor', since: 1, types: F, fn: Math.floor },
  { op: 'Ceil', since: 1, types: F, fn: Math.ceil },
  { op: 'Round', since: 11, types: F, fn: roundHalfEven },
  { op: 'Exp', since: 1, types: F, fn: Math.exp },
  { op: 'Log', since: 1, types: F, fn: Math.log },
  { op: 'Sqrt', since: 1, types: F, fn: Math.sqrt },
  { op: 'Sin', since: 7, types: F, fn: Math.sin },
  { op: 'Cos', since: 7, types: F, fn: Math.cos },
  { op: 'Tan', since: 7, types: F, fn: Math.tan },
  { op: 'Asin', since: 7, types: F, fn: Math.asin },
  { op: 'Acos', since: 7, types: F, fn: Math.acos },
  { op: 'Atan', since: 7, types: F, fn: Math.atan },
  { op: 'Sinh', since: 9, types: F, fn: Math.sinh },
  { op: 'Cosh', since: 9, types: F, fn: Math.cosh },
  { op: 'Tanh', since: 1, types: F, fn: Math.tanh },
  { op: 'Asinh', since: 9, types: F, fn: Math.asinh },
  { op: 'Acosh', since: 9, types: F, fn: Math.acosh },
  { op: 'Atanh', since: 9, types: F, fn: Math.atanh },
  { op: 'Erf', since: 9, types: [...F, ...INT_TYPES], fn: erf },
  { op: 'Sigmoid', since: 1, types: F, fn: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))) },
  { op: 'Relu', since: 1, types: SIGNED_NUMERIC, fn: (v) => (v > 0 ? v : 0), big: (v) => (v > 0n ? v : 0n) },
  { op: 'Softplus', since: 1, types: F, fn: (v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))) },
  { op: 'Softsign', since: 1, types: F, fn: (v) => v / (1 + Math.abs(v)) },
  { op: 'Mish', since: 18, types: F, fn: (v) => v * Math.tanh(v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))) },
  { op: 'HardSwish', since: 14, types: F, fn: (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5)) },
  { op: 'IsNaN', since: 9, types: [...F, 'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz'], fn: (v) => (Number.isNaN(v) ? 1 : 0), out: 'bool' },
  { op: 'Not', since: 1, types: ['bool'], fn: (v) => (v ? 0 : 1) },
  { op: 'BitwiseNot', since: 18, types: INT_TYPES, fn: (v) => ~v, big: (v) => ~v },
];

export const ops: OpRegistration[] = ENTRIES.map((e) =>
  defineOp(e.op, e.since, (inputs, _attributes, context) => {
    const x = requireInput(context, inputs, 0);
    return [mapUnary(context, x, e.types, e.fn, e.big, e.out ?? x.type)];
  }),
);
