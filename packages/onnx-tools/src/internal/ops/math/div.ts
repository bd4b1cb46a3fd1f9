// Div: A / B with ONNX broadcasting; integer division truncates toward zero (x / 0 gives 0).
import { binaryOp } from '../util/binary.js';
import { isFloatType, NUMERIC_TYPES } from '../util/dtype.js';
import { mapBinary } from '../util/elementwise.js';

export const op = binaryOp('Div', 7, (context, a, b) =>
  mapBinary(
    context, a, b, NUMERIC_TYPES,
    isFloatType(a.type) ? (x, y) => x / y : (x, y) => (y === 0 ? 0 : Math.trunc(x / y)),
    (x, y) => (y === 0n ? 0n : x / y),
  ),
);
