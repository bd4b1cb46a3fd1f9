// CastLike: cast input 0 to the element type of input 1.
import { intAttr, requireInput } from '../util/attributes.js';
import { castTensor, roundMode } from '../util/cast.js';
import { defineOp } from '../util/define.js';

export const op = defineOp('CastLike', 15, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const like = requireInput(context, inputs, 1);
  return [castTensor(context, x, like.type, intAttr(attributes, 'saturate', 1) === 1, roundMode(context, attributes))];
});
