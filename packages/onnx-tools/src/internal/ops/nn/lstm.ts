// LSTM: input/output/forget gates, cell state and optional peepholes per step.
import { defineOp } from '../util/define.js';
import { recurrent } from '../util/recurrent.js';

export const op = defineOp('LSTM', 1, recurrent('LSTM'));
