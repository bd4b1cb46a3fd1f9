// Reshape: same elements, new shape (0 copies the input extent unless allowzero, -1 is inferred).
import type { OpContext } from '../contract.js';
import { intAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { sizeOf } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { withDims } from '../util/indexing.js';

function reshapeDims(context: OpContext, input: readonly number[], requested: readonly number[], allowZero: boolean): number[] {
  const dims = requested.map((d, i) => (d === 0 && !allowZero ? input[i]! : d));
  const inferred = dims.indexOf(-1);
  if (inferred >= 0) {
    const known = dims.reduce((p, d, i) => (i === inferred ? p : p * d), 1);
    dims[inferred] = known === 0 ? 0 : sizeOf(input) / known;
  }
  if (sizeOf(dims) !== sizeOf(input) || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw evaluateError(context, 'cannot reshape', { expected: `a shape with ${sizeOf(input)} elements`, found: `[${requested.join(',')}] for input [${input.join(',')}]` });
  }
  return dims;
}

export const op = defineOp('Reshape', 5, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const shape = readInts(requireInput(context, inputs, 1));
  return [withDims(x, reshapeDims(context, x.dims, shape, intAttr(attributes, 'allowzero', 0) === 1))];
});
