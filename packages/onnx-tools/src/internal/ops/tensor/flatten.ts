// Flatten: reshape to 2-D [prod(dims[:axis]), prod(dims[axis:])].
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { sizeOf } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { withDims } from '../util/indexing.js';

export const op = defineOp('Flatten', 1, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const rank = x.dims.length;
  let axis = intAttr(attributes, 'axis', 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) throw evaluateError(context, 'axis out of range', { expected: `[${-rank}, ${rank}]`, found: String(axis) });
  return [withDims(x, [sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis))])];
});
