// Cast: convert to the element type named by `to` (saturate applies to float8 targets).
import type { TensorType } from '../../../tensor.js';
import { intAttr, requireInput } from '../util/attributes.js';
import { CASTABLE, castTensor, roundMode } from '../util/cast.js';
import { defineOp } from '../util/define.js';
import { typeFromOnnx } from '../util/dtype.js';
import { unsupportedDtype } from '../util/errors.js';

export const op = defineOp('Cast', 6, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const code = intAttr(attributes, 'to', 0);
  const to = typeFromOnnx(code);
  if (!to) throw unsupportedDtype(context, `onnx data_type ${code}` as TensorType, CASTABLE, 'target');
  return [castTensor(context, x, to, intAttr(attributes, 'saturate', 1) === 1, roundMode(context, attributes))];
});
