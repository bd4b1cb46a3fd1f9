// SoftmaxCrossEntropyLoss: log-softmax of the scores over the class axis (1), then the negative
// log-likelihood of the labels; the second output is the log-probabilities.
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { negativeLogLikelihood } from '../util/nll.js';

/** log(softmax(x)) along axis 1 of [N, C, d...], shifted by the maximum. */
function logSoftmaxOverClasses(values: ArrayLike<number>, dims: readonly number[]): Float64Array {
  const [batch, classes] = dims as [number, number];
  const inner = sizeOf(dims.slice(2));
  const out = new Float64Array(values.length);
  for (let n = 0; n < batch; n++)
    for (let d = 0; d < inner; d++) {
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, values[(n * classes + c) * inner + d]!);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += Math.exp(values[(n * classes + c) * inner + d]! - max);
      const logSum = Math.log(sum);
      for (let c = 0; c < classes; c++) out[(n * classes + c) * inner + d] = values[(n * classes + c) * inner + d]! - max - logSum;
    }
  return out;
}

export const op = defineOp('SoftmaxCrossEntropyLoss', 12, (inputs, attributes, context) => {
  const scores = requireInput(context, inputs, 0);
  expectType(context, scores, FLOAT_TYPES);
  if (scores.dims.length < 2) throw evaluateError(context, 'scores must have at least 2 dims [N, C, ...]', { found: `[${scores.dims.join(', ')}]` });
  const logProbabilities = logSoftmaxOverClasses(toNumbers(scores), scores.dims);
  const loss = negativeLogLikelihood(context, logProbabilities, scores.dims, requireInput(context, inputs, 1), inputs[2], attributes, scores.type);
  return [loss, fromNumbers(scores.type, scores.dims, logProbabilities)];
});
