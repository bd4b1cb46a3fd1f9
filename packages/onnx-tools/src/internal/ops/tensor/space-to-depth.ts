// SpaceToDepth: move blocksize x blocksize spatial tiles into channels.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { evaluateError } from '../util/errors.js';
import { transpose } from '../util/layout.js';

function spaceToDepth(context: OpContext, x: Tensor, attributes: Attributes): Tensor {
  const b = intAttr(attributes, 'blocksize', 1);
  const [n, c, h, w] = x.dims as [number, number, number, number];
  if (x.dims.length !== 4 || h % b !== 0 || w % b !== 0) throw evaluateError(context, 'needs NCHW input with H and W divisible by blocksize', { found: `[${x.dims.join(',')}]` });
  const t = transpose({ ...x, dims: [n, c, h / b, b, w / b, b] }, [0, 3, 5, 1, 2, 4]);
  return { ...t, dims: [n, c * b * b, h / b, w / b] };
}

export const op = defineOp('SpaceToDepth', 1, (inputs, attributes, context) => [spaceToDepth(context, requireInput(context, inputs, 0), attributes)]);
