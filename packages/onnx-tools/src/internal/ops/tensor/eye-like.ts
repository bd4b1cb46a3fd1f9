// EyeLike: a 2-D identity-like matrix (ones on diagonal k) shaped like the input.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, typeFromOnnx } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

function eyeLike(context: OpContext, x: Tensor, attributes: Attributes): Tensor {
  const dtype = intAttr(attributes, 'dtype');
  const type = dtype === undefined ? x.type : typeFromOnnx(dtype);
  if (!type || x.dims.length !== 2) throw evaluateError(context, 'EyeLike needs a 2-D input and a known dtype', { found: `[${x.dims.join(',')}] dtype ${dtype}` });
  const k = intAttr(attributes, 'k', 0);
  const [rows, cols] = [x.dims[0]!, x.dims[1]!];
  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) if (r + k >= 0 && r + k < cols) values[r * cols + r + k] = 1;
  return fromNumbers(type, x.dims, values);
}

export const op = defineOp('EyeLike', 9, (inputs, attributes, context) => [eyeLike(context, requireInput(context, inputs, 0), attributes)]);
