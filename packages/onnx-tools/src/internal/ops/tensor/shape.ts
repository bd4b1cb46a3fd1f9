// Shape: the input dims as int64, optionally sliced by start/end.
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { int64Tensor } from '../util/int64.js';

export const op = defineOp('Shape', 1, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const rank = x.dims.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(intAttr(attributes, 'start', 0));
  const end = clamp(intAttr(attributes, 'end', rank));
  const dims = x.dims.slice(start, Math.max(start, end));
  return [int64Tensor([dims.length], dims)];
});
