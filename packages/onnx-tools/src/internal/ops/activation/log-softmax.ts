// LogSoftmax: x - max - log(sum(e^(x - max))) along axis.
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { softmaxLike } from '../util/softmax.js';

export const op = defineOp('LogSoftmax', 1, (inputs, attributes, context) => [
  softmaxLike(context, 'LogSoftmax', requireInput(context, inputs, 0), intAttr(attributes, 'axis')),
]);
