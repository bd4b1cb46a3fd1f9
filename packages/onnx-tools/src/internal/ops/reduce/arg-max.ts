// ArgMax: index of the maximum along axis.
import { argExtremeOp } from '../util/arg-extreme.js';

export const op = argExtremeOp('ArgMax', (v, best) => v > best);
