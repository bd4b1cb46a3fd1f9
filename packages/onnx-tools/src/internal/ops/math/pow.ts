// Pow: A ^ B with ONNX broadcasting (int64 exact; negative integer exponents give 0 unless A is 1).
import { binaryOp } from '../util/binary.js';
import { NUMERIC_TYPES } from '../util/dtype.js';
import { mapBinary } from '../util/elementwise.js';

function powBig(x: bigint, y: bigint): bigint {
  if (y < 0n) return x === 1n ? 1n : 0n;
  return x ** y;
}

export const op = binaryOp('Pow', 7, (context, a, b) => mapBinary(context, a, b, NUMERIC_TYPES, (x, y) => x ** y, powBig));
