// RNN: h = f(W x + R h + b) per step.
import { defineOp } from '../util/define.js';
import { recurrent } from '../util/recurrent.js';

export const op = defineOp('RNN', 1, recurrent('RNN'));
