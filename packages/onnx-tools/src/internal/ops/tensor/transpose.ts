// Transpose: permute axes (default: reverse them).
import { intsAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { transpose } from '../util/layout.js';
import { normalizeAxis } from '../util/shape.js';

export const op = defineOp('Transpose', 1, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const perm = intsAttr(attributes, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
  return [transpose(x, perm.map((p) => normalizeAxis(context, p, x.dims.length)))];
});
