// Size: the element count as an int64 scalar.
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { sizeOf } from '../util/dtype.js';
import { int64Tensor } from '../util/int64.js';

export const op = defineOp('Size', 1, (inputs, _attributes, context) => [int64Tensor([], [sizeOf(requireInput(context, inputs, 0).dims)])]);
