// Dropout at inference: the output is the input and the mask is all true.
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor } from '../util/dtype.js';

export const op = defineOp('Dropout', 1, (inputs, _attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const mask = makeTensor('bool', x.dims, new Uint8Array(x.data.length).fill(1));
  return [x, mask];
});
