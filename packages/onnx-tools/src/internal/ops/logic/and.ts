// And: logical and of two bool tensors.
import { comparisonOp } from '../util/binary.js';

export const op = comparisonOp('And', 7, ['bool'], (x, y) => Boolean(x) && Boolean(y));
