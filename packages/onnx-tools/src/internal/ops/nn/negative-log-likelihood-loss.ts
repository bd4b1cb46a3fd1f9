// NegativeLogLikelihoodLoss: -input[n, target[n, ...], ...] weighted per class, with ignore_index
// and reduction none / sum / mean.
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, toNumbers } from '../util/dtype.js';
import { negativeLogLikelihood } from '../util/nll.js';

export const op = defineOp('NegativeLogLikelihoodLoss', 12, (inputs, attributes, context) => {
  const input = requireInput(context, inputs, 0);
  expectType(context, input, FLOAT_TYPES);
  const target = requireInput(context, inputs, 1);
  return [negativeLogLikelihood(context, toNumbers(input), input.dims, target, inputs[2], attributes, input.type)];
});
