// GRU: update/reset gates and a candidate state per step (linear_before_reset too).
import { defineOp } from '../util/define.js';
import { recurrent } from '../util/recurrent.js';

export const op = defineOp('GRU', 1, recurrent('GRU'));
