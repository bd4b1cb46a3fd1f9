// Sub: A - B with ONNX broadcasting.
import { binaryOp } from '../util/binary.js';
import { NUMERIC_TYPES } from '../util/dtype.js';
import { mapBinary } from '../util/elementwise.js';

export const op = binaryOp('Sub', 7, (context, a, b) => mapBinary(context, a, b, NUMERIC_TYPES, (x, y) => x - y, (x, y) => x - y));
