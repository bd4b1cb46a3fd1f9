// Softmax: e^x / sum(e^x) along axis (max-shifted).
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { softmaxLike } from '../util/softmax.js';

export const op = defineOp('Softmax', 1, (inputs, attributes, context) => [
  softmaxLike(context, 'Softmax', requireInput(context, inputs, 0), intAttr(attributes, 'axis')),
]);
