// GatherElements: out[i][j][k] = data[index][j][k] (for axis 0), indices shaped like the output.
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { elementOffsets } from '../util/gather-scatter.js';
import { takeElements } from '../util/indexing.js';
import { normalizeAxis } from '../util/shape.js';

export const op = defineOp('GatherElements', 11, (inputs, attributes, context) => {
  const data = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), data.dims.length);
  return [takeElements(data, indices.dims, elementOffsets(context, data.dims, indices, axis))];
});
