// Conv: N-D grouped, strided, dilated, padded convolution (auto_pad too) for float types.
import type { TensorType } from '../../../tensor.js';
import { requireInput } from '../util/attributes.js';
import { convolve } from '../util/convolve.js';
import { defineOp } from '../util/define.js';
import { expectType, fromNumbers, makeTensor, toNumbers } from '../util/dtype.js';
import { asFloatArray } from '../util/matmul.js';

const FLOAT_CONV_TYPES: readonly TensorType[] = ['float32', 'float64', 'float16', 'bfloat16'];

export const op = defineOp('Conv', 1, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const w = requireInput(context, inputs, 1);
  expectType(context, x, FLOAT_CONV_TYPES);
  const bias = inputs[2] ? toNumbers(inputs[2]) : undefined;
  const { values, dims } = convolve(context, attributes, asFloatArray(x), x.dims, asFloatArray(w), w.dims, bias);
  if (x.type === 'float32' || x.type === 'float64') return [makeTensor(x.type, dims, values as never)];
  return [fromNumbers(x.type, dims, values)];
});
