// ConstantOfShape: a tensor of the given shape filled with `value` (default float32 0).
import { readInts, requireInput, tensorAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { allocate, makeTensor, sizeOf } from '../util/dtype.js';

export const op = defineOp('ConstantOfShape', 9, (inputs, attributes, context) => {
  const dims = readInts(requireInput(context, inputs, 0));
  const value = tensorAttr(attributes, 'value') ?? makeTensor('float32', [1], new Float32Array(1));
  const data = allocate(value.type, sizeOf(dims)) as unknown as { fill(v: unknown): void };
  data.fill(value.data[0]);
  return [makeTensor(value.type, dims, data as never)];
});
