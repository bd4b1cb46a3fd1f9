// ArgMin: index of the minimum along axis.
import { argExtremeOp } from '../util/arg-extreme.js';

export const op = argExtremeOp('ArgMin', (v, best) => v < best);
