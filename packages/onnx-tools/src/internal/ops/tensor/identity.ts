// Identity: the input, unchanged.
import { defineOp } from '../util/define.js';

export const op = defineOp('Identity', 1, (inputs) => [inputs[0]]);
