// ConvInteger: convolution of zero-point-centred 8-bit inputs, accumulated in int32.
import { requireInput } from '../util/attributes.js';
import { centeredByChannel, convolve } from '../util/convolve.js';
import { defineOp } from '../util/define.js';
import { expectType, fromNumbers } from '../util/dtype.js';

export const op = defineOp('ConvInteger', 10, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const w = requireInput(context, inputs, 1);
  expectType(context, x, ['int8', 'uint8']);
  const { values, dims } = convolve(context, attributes, centeredByChannel(x, inputs[2], false), x.dims, centeredByChannel(w, inputs[3], true), w.dims, undefined);
  return [fromNumbers('int32', dims, values)];
});
