// CumSum: running sum along axis.
import { cumulative } from '../util/cumulative.js';
import { defineOp } from '../util/define.js';

export const op = defineOp('CumSum', 11, cumulative(false));
