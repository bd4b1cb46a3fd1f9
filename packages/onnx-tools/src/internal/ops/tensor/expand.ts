// Expand: broadcast the input to a shape (numpy rules, so the result may be larger than asked).
import { readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { takeElements, withDims } from '../util/indexing.js';
import { broadcastIndex, broadcastShapes } from '../util/shape.js';

export const op = defineOp('Expand', 8, (inputs, _attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const dims = broadcastShapes(context, [x.dims, readInts(requireInput(context, inputs, 1))]);
  const map = broadcastIndex(dims, x.dims);
  return [map ? takeElements(x, dims, map) : withDims(x, dims)];
});
