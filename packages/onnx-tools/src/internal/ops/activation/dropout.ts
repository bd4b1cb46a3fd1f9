// Dropout. At inference (the default) the output is the input and the mask is all true. With
// training_mode (opset 12+) and a ratio r > 0, each element is kept with probability 1 - r and
// scaled by 1 / (1 - r); the draws come from a seeded generator (the `seed` attribute, else 0),
// so evaluation stays deterministic.
import { seededRandom } from '@kiln/common';
import { intAttr, requireInput, scalarInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { FLOAT_TYPES, makeTensor } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { mapUnary } from '../util/elementwise.js';

export const op = defineOp('Dropout', 1, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const training = context.opset >= 12 && scalarInput(inputs, 2, 0) !== 0;
  const ratio = context.opset >= 12 ? scalarInput(inputs, 1, 0.5) : 0;
  if (!training || ratio === 0) return [x, makeTensor('bool', x.dims, new Uint8Array(x.data.length).fill(1))];
  if (!(ratio >= 0 && ratio < 1)) throw evaluateError(context, 'ratio must be in [0, 1)', { found: String(ratio) });
  const random = seededRandom(intAttr(attributes, 'seed', 0));
  const mask = Uint8Array.from({ length: x.data.length }, () => (random() >= ratio ? 1 : 0));
  let i = 0;
  const y = mapUnary(context, x, FLOAT_TYPES, (v) => (mask[i++] ? v / (1 - ratio) : 0));
  return [y, makeTensor('bool', x.dims, mask)];
});
