// Concat: join tensors along axis.
import type { Tensor } from '../../../tensor.js';
import { intAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { concat } from '../util/layout.js';

export const op = defineOp('Concat', 4, (inputs, attributes, context) => [
  concat(context, inputs.filter((t): t is Tensor => t !== undefined), intAttr(attributes, 'axis', 0)),
]);
