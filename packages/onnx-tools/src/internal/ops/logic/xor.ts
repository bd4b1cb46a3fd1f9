// Xor: logical xor of two bool tensors.
import { comparisonOp } from '../util/binary.js';

export const op = comparisonOp('Xor', 7, ['bool'], (x, y) => Boolean(x) !== Boolean(y));
