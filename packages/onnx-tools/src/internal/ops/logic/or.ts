// Or: logical or of two bool tensors.
import { comparisonOp } from '../util/binary.js';

export const op = comparisonOp('Or', 7, ['bool'], (x, y) => Boolean(x) || Boolean(y));
