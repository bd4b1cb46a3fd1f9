// Casting between any two supported element types, following the ONNX Cast rules
// (float -> int truncates toward zero, float -> float8 rounds to nearest even and saturates
// unless saturate=0, strings parse/print as numbers, anything -> bool is `!= 0`).
import type { Tensor, TensorType } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { stringAttr } from './attributes.js';
import { allocate, type BigIntArray, isBigIntType, isFloatType, makeTensor, numbersToData, SUB_BYTE_INT_TYPES, toNumbers, wrapSubByte } from './dtype.js';
import { evaluateError, unsupportedDtype } from './errors.js';
import { encodeFloat8 } from './float8.js';
import { type E8M0RoundMode, encodeFloat8E8M0 } from './float8e8m0.js';
import { roundHalfEven } from './math.js';

export const CASTABLE: readonly TensorType[] = [
  'float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64',
  'bool', 'string', 'int4', 'uint4', 'int2', 'uint2', 'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz',
  'float8e8m0', 'float4e2m1',
];

/** Shortest decimal text that reads back as the same float32 value. */
function float32ToString(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'INF';
  if (value === -Infinity) return '-INF';
  for (let digits = 1; digits <= 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return formatNumber(Number(text));
  }
  return String(value);
}

function formatNumber(value: number): string {
  const text = String(value);
  // numpy prints small/large magnitudes in exponent form with a two-digit exponent.
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

function parseNumber(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan' || t === '+nan') return NaN;
  return Number(t);
}

/** Round to nearest even, then keep the low bits (two's complement for the signed types). */
function toSubByteInt(type: TensorType, values: ArrayLike<number>): Int8Array | Uint8Array {
  const rounded = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) rounded[i] = Number.isFinite(values[i]!) ? roundHalfEven(values[i]!) : 0;
  return wrapSubByte(type, rounded);
}

/**
 * Casts `x` to `to`. `saturate` only affects float8 targets; `roundMode` only float8e8m0 targets.
 */
export function castTensor(context: OpContext, x: Tensor, to: TensorType, saturate = true, roundMode: E8M0RoundMode = 'up'): Tensor {
  if (!CASTABLE.includes(x.type)) throw unsupportedDtype(context, x.type, CASTABLE);
  if (!CASTABLE.includes(to)) throw unsupportedDtype(context, to, CASTABLE, 'target');
  if (x.type === to) return makeTensor(to, x.dims, x.data.slice() as never);
  const n = x.data.length;
  if (to === 'string') {
    const out: string[] = new Array(n);
    if (isBigIntType(x.type)) for (let i = 0; i < n; i++) out[i] = String((x.data as BigIntArray)[i]);
    else {
      const values = toNumbers(x);
      const asFloat32 = x.type !== 'float64' && isFloatType(x.type);
      for (let i = 0; i < n; i++) out[i] = asFloat32 ? float32ToString(values[i]!) : formatNumber(values[i]!);
    }
    return makeTensor('string', x.dims, out);
  }
  if (isBigIntType(to) && (isBigIntType(x.type) || x.type === 'string')) {
    const out = allocate(to, n) as BigIntArray;
    for (let i = 0; i < n; i++) {
      const v = x.type === 'string' ? BigInt(Math.trunc(parseNumber((x.data as string[])[i]!))) : (x.data as BigIntArray)[i]!;
      out[i] = v;
    }
    return makeTensor(to, x.dims, out);
  }
  let values: ArrayLike<number>;
  if (x.type === 'string') values = Float64Array.from(x.data as string[], parseNumber);
  else if (x.type === 'int64' || x.type === 'uint64') {
    // Narrow integers wrap: take the low bits before converting to a number.
    const source = x.data as BigIntArray;
    const wrapped = new Float64Array(n);
    const isInt = !isFloatType(to) && to !== 'bool';
    for (let i = 0; i < n; i++) wrapped[i] = isInt ? Number(BigInt.asIntN(53, source[i]!)) : Number(source[i]!);
    values = wrapped;
  } else values = toNumbers(x);
  if (SUB_BYTE_INT_TYPES.includes(to)) return makeTensor(to, x.dims, toSubByteInt(to, values) as never);
  if (to === 'float8e8m0') return makeTensor(to, x.dims, encodeFloat8E8M0(values, saturate, roundMode));
  if (to.startsWith('float8')) return makeTensor(to, x.dims, encodeFloat8(values, to, saturate) as never);
  return makeTensor(to, x.dims, numbersToData(to, values) as never);
}


/** The `round_mode` attribute (Cast 25+: 'up', 'down' or 'nearest'; used for float8e8m0 targets). */
export function roundMode(context: OpContext, attributes: Attributes): E8M0RoundMode {
  const mode = stringAttr(attributes, 'round_mode', 'up');
  if (mode !== 'up' && mode !== 'down' && mode !== 'nearest') {
    throw evaluateError(context, 'unknown round_mode', { expected: "'up', 'down' or 'nearest'", found: mode });
  }
  return mode;
}
