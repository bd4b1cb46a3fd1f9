// MatMul: numpy matmul (1-D operands promoted, batch dims broadcast).
import type { TensorType } from '../../../tensor.js';
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, fromNumbers, makeTensor } from '../util/dtype.js';
import { asFloatArray, matmulValues } from '../util/matmul.js';

const MATMUL_TYPES: readonly TensorType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint32', 'uint64'];

export const op = defineOp('MatMul', 1, (inputs, _attributes, context) => {
  const a = requireInput(context, inputs, 0);
  const b = requireInput(context, inputs, 1);
  expectType(context, a, MATMUL_TYPES);
  expectType(context, b, MATMUL_TYPES);
  const { values, dims } = matmulValues(context, asFloatArray(a), a.dims, asFloatArray(b), b.dims);
  if (a.type === 'float32' || a.type === 'float64') return [makeTensor(a.type, dims, values as never)];
  return [fromNumbers(a.type, dims, values)];
});
