// CumProd: running product along axis.
import { cumulative } from '../util/cumulative.js';
import { defineOp } from '../util/define.js';

export const op = defineOp('CumProd', 24, cumulative(true));
