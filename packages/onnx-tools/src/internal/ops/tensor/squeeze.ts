// Squeeze: drop the given axes of extent 1 (all of them when none are given).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { requireInput } from '../util/attributes.js';
import { axesOf } from '../util/axes.js';
import { defineOp } from '../util/define.js';
import { evaluateError } from '../util/errors.js';
import { withDims } from '../util/indexing.js';
import { normalizeAxis } from '../util/shape.js';

function squeeze(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axes = axesOf(inputs, 1, attributes, context, 13)?.map((a) => normalizeAxis(context, a, x.dims.length));
  const dims = x.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  if (axes?.some((a) => x.dims[a] !== 1)) {
    throw evaluateError(context, 'cannot squeeze an axis whose extent is not 1', { found: `[${x.dims.join(',')}] axes ${axes.join(',')}` });
  }
  return [withDims(x, dims)];
}

export const op = defineOp('Squeeze', 1, squeeze);
