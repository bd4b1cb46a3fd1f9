// Hardmax: 1 at the first maximum along axis, 0 elsewhere.
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { softmaxLike } from '../util/softmax.js';

export const op = defineOp('Hardmax', 1, (inputs, attributes, context) => [
  softmaxLike(context, 'Hardmax', requireInput(context, inputs, 0), intAttr(attributes, 'axis')),
]);
