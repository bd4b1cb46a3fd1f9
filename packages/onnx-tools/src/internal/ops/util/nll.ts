// The negative log-likelihood loss shared by NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, readInts, stringAttr } from './attributes.js';
import { fromNumbers, sizeOf, toNumbers } from './dtype.js';
import { evaluateError } from './errors.js';

/**
 * loss[n, d...] = -logProbabilities[n, target[n, d...], d...] * weight[target], 0 where the target is
 * ignore_index; then reduction 'none', 'sum' or 'mean' (the weighted mean: divided by the sum of
 * the weights used). `logProbabilities` has dims [N, C, d1, ..., dk]; the result has the input's type.
 */
export function negativeLogLikelihood(
  context: OpContext,
  logProbabilities: ArrayLike<number>,
  dims: readonly number[],
  target: Tensor,
  weight: Tensor | undefined,
  attributes: Attributes,
  type: Tensor['type'],
): Tensor {
  const reduction = stringAttr(attributes, 'reduction', 'mean');
  if (reduction !== 'none' && reduction !== 'sum' && reduction !== 'mean') {
    throw evaluateError(context, 'unknown reduction', { expected: "'none', 'sum' or 'mean'", found: reduction });
  }
  const ignoreIndex = intAttr(attributes, 'ignore_index');
  if (dims.length < 2) throw evaluateError(context, 'input must have at least 2 dims [N, C, ...]', { found: `[${dims.join(', ')}]` });
  const [batch, classes] = dims as [number, number];
  const inner = sizeOf(dims.slice(2));
  const expectedTarget = [batch, ...dims.slice(2)];
  if (target.dims.length !== expectedTarget.length || target.dims.some((d, i) => d !== expectedTarget[i])) {
    throw evaluateError(context, 'target shape does not match the input', { expected: `[${expectedTarget.join(', ')}]`, found: `[${target.dims.join(', ')}]` });
  }
  const labels = readInts(target);
  const weights = weight ? toNumbers(weight) : undefined;
  const loss = new Float64Array(batch * inner);
  let weightSum = 0;
  for (let n = 0; n < batch; n++)
    for (let d = 0; d < inner; d++) {
      const label = labels[n * inner + d]!;
      if (label === ignoreIndex) continue;
      if (label < -classes || label >= classes) {
        throw evaluateError(context, 'target class out of range', { expected: `[0, ${classes - 1}] or ignore_index`, found: String(label) });
      }
      const c = label < 0 ? label + classes : label;
      const w = weights ? weights[c]! : 1;
      loss[n * inner + d] = -logProbabilities[(n * classes + c) * inner + d]! * w;
      weightSum += w;
    }
  if (reduction === 'none') return fromNumbers(type, expectedTarget, loss);
  let total = 0;
  for (let i = 0; i < loss.length; i++) total += loss[i]!;
  // The unweighted mean without ignore_index divides by every element, as numpy's mean does.
  const divisor = weights || ignoreIndex !== undefined ? weightSum : loss.length;
  return fromNumbers(type, [], [reduction === 'sum' ? total : total / divisor]);
}
