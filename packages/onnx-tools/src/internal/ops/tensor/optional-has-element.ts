// OptionalHasElement: whether the optional input holds a value (an omitted input does not).
import { defineOp } from '../util/define.js';
import { makeTensor } from '../util/dtype.js';

export const op = defineOp('OptionalHasElement', 15, (inputs) => [makeTensor('bool', [], Uint8Array.of(inputs[0] === undefined ? 0 : 1))]);
