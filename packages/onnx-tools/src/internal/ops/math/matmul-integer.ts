// MatMulInteger: (A - a_zero_point) x (B - b_zero_point) in int32, 8-bit inputs.
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, fromNumbers } from '../util/dtype.js';
import { centeredMatrix, matmulValues } from '../util/matmul.js';

export const op = defineOp('MatMulInteger', 10, (inputs, _attributes, context) => {
  const a = requireInput(context, inputs, 0);
  const b = requireInput(context, inputs, 1);
  expectType(context, a, ['int8', 'uint8']);
  expectType(context, b, ['int8', 'uint8']);
  const { values, dims } = matmulValues(context, centeredMatrix(a, inputs[2], 2), a.dims, centeredMatrix(b, inputs[3], 1), b.dims);
  return [fromNumbers('int32', dims, values)];
});
