// IsNaN: true where x is NaN.
import { FLOAT8_TYPES, FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('IsNaN', 9, [...FLOAT_TYPES, ...FLOAT8_TYPES], (v) => (Number.isNaN(v) ? 1 : 0), undefined, 'bool');
