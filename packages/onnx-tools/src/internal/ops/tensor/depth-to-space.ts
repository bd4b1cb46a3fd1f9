// DepthToSpace: move channel blocks into blocksize x blocksize spatial tiles (DCR or CRD order).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { evaluateError } from '../util/errors.js';
import { transpose } from '../util/layout.js';

function depthToSpace(context: OpContext, x: Tensor, attributes: Attributes): Tensor {
  const b = intAttr(attributes, 'blocksize', 1);
  const [n, c, h, w] = x.dims as [number, number, number, number];
  const crd = stringAttr(attributes, 'mode', 'DCR') === 'CRD';
  if (x.dims.length !== 4 || c % (b * b) !== 0) throw evaluateError(context, 'needs NCHW input with C divisible by blocksize²', { found: `[${x.dims.join(',')}]` });
  const co = c / (b * b);
  // View as 6-D, then transpose: DCR [n,b,b,co,h,w] -> [n,co,h,b,w,b]; CRD [n,co,b,b,h,w] -> same.
  const view = crd ? [n, co, b, b, h, w] : [n, b, b, co, h, w];
  const perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
  const t = transpose({ ...x, dims: view }, perm);
  return { ...t, dims: [n, co, h * b, w * b] };
}

export const op = defineOp('DepthToSpace', 1, (inputs, attributes, context) => [depthToSpace(context, requireInput(context, inputs, 0), attributes)]);
