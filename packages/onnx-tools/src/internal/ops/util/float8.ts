// float8 (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ) <-> number, as the ONNX Cast spec defines them.
import type { TensorType } from '../../../tensor.js';

type Float8Type = 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz';

interface Float8Format {
  exponentBits: number;
  bias: number;
  /** Largest finite positive code. */
  maxCode: number;
  nanCode: number;
  /** Code of +infinity, when the format has one. */
  infinityCode: number | undefined;
  /** FNUZ formats have no negative zero (0x80 is NaN). */
  unsignedZero: boolean;
}

const FORMATS: Record<Float8Type, Float8Format> = {
  float8e4m3fn: { exponentBits: 4, bias: 7, maxCode: 0x7e, nanCode: 0x7f, infinityCode: undefined, unsignedZero: false },
  float8e4m3fnuz: { exponentBits: 4, bias: 8, maxCode: 0x7f, nanCode: 0x80, infinityCode: undefined, unsignedZero: true },
  // E5M2 writes NaN as 0x7e (a quiet NaN, as ml_dtypes and the ONNX test data do); 0x7d-0x7f all read as NaN.
  float8e5m2: { exponentBits: 5, bias: 15, maxCode: 0x7b, nanCode: 0x7e, infinityCode: 0x7c, unsignedZero: false },
  float8e5m2fnuz: { exponentBits: 5, bias: 16, maxCode: 0x7f, nanCode: 0x80, infinityCode: undefined, unsignedZero: true },
};

const tables = new Map<Float8Type, Float64Array>();

function table(type: Float8Type): Float64Array {
  let values = tables.get(type);
  if (values) return values;
  const format = FORMATS[type];
  const mantissaBits = 7 - format.exponentBits;
  values = new Float64Array(256);
  for (let code = 0; code < 256; code++) {
    const sign = code & 0x80 ? -1 : 1;
    const exponent = (code & 0x7f) >> mantissaBits;
    const mantissa = code & ((1 << mantissaBits) - 1);
    let value: number;
    if (exponent === 0) value = mantissa * 2 ** (1 - format.bias - mantissaBits);
    else value = (1 + mantissa / (1 << mantissaBits)) * 2 ** (exponent - format.bias);
    values[code] = sign * value;
  }
  values[format.nanCode] = NaN;
  if (format.nanCode === 0x7f) values[0xff] = NaN;
  if (type === 'float8e5m2') {
    for (let code = 0x7d; code <= 0x7f; code++) {
      values[code] = NaN;
      values[code | 0x80] = NaN;
    }
    values[0x7c] = Infinity;
    values[0xfc] = -Infinity;
  }
  tables.set(type, values);
  return values;
}

export function decodeFloat8(codes: Uint8Array, type: TensorType): Float32Array {
  const values = table(type as Float8Type);
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = values[codes[i]!]!;
  return out;
}

function encodeOne(x: number, format: Float8Format, values: Float64Array, saturate: boolean): number {
  if (Number.isNaN(x)) return format.nanCode;
  const sign = x < 0 || Object.is(x, -0) ? 0x80 : 0;
  const magnitude = Math.abs(x);
  const max = values[format.maxCode]!;
  // Without saturation, values past the finite range become infinity (E5M2) or NaN; FN formats
  // keep the sign on that NaN, FNUZ formats have a single NaN code.
  const overflow = format.infinityCode !== undefined ? sign | format.infinityCode : format.unsignedZero ? format.nanCode : sign | format.nanCode;
  if (magnitude === Infinity) return saturate ? sign | format.maxCode : overflow;
  let code: number;
  if (magnitude >= max) {
    // Round to nearest even first: a tie between the largest finite code and the next step
    // goes to whichever of the two is even.
    const halfStep = (max - values[format.maxCode - 1]!) / 2;
    const tieToMax = magnitude === max + halfStep && (format.maxCode & 1) === 0;
    if (saturate || magnitude < max + halfStep || tieToMax) code = format.maxCode;
    else return overflow;
  } else {
    // Positive codes 0..maxCode are increasing in value: binary search the one at or below.
    let lo = 0;
    let hi = format.maxCode;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (values[mid]! <= magnitude) lo = mid;
      else hi = mid - 1;
    }
    code = lo;
    const below = values[lo]!;
    if (below !== magnitude) {
      const above = values[lo + 1]!;
      const toBelow = magnitude - below;
      const toAbove = above - magnitude;
      if (toAbove < toBelow || (toAbove === toBelow && (lo & 1) === 1)) code = lo + 1;
    }
  }
  if (code === 0 && format.unsignedZero) return 0;
  return sign | code;
}

/** Encodes numbers as float8 codes, round to nearest even; `saturate` clamps to the finite range. */
export function encodeFloat8(values: ArrayLike<number>, type: TensorType, saturate: boolean): Uint8Array {
  const format = FORMATS[type as Float8Type];
  const decoded = table(type as Float8Type);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = encodeOne(values[i]!, format, decoded, saturate);
  return out;
}
