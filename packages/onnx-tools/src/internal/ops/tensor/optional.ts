// Optional: wrap the input (or nothing, when the input is omitted) as an optional value. Tensors
// and empty optionals are the same values to the evaluator, so this passes its input through.
import { defineOp } from '../util/define.js';

export const op = defineOp('Optional', 15, (inputs) => [inputs[0]]);
