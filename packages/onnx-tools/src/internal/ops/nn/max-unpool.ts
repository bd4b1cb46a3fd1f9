// MaxUnpool: scatter pooled values back to the positions MaxPool's Indices recorded.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intsAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';

function maxUnpool(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const kernel = intsAttr(attributes, 'kernel_shape') ?? [];
  const strides = intsAttr(attributes, 'strides') ?? kernel.map(() => 1);
  const pads = intsAttr(attributes, 'pads') ?? new Array<number>(2 * kernel.length).fill(0);
  const rank = kernel.length;
  let dims = [x.dims[0]!, x.dims[1]!, ...x.dims.slice(2).map((d, i) => (d - 1) * strides[i]! + kernel[i]! - pads[i]! - pads[i + rank]!)];
  const shape = inputs[2];
  if (shape) dims = Array.from(toNumbers(shape));
  const out = new Float64Array(sizeOf(dims));
  const values = toNumbers(x);
  const where = toNumbers(indices);
  for (let i = 0; i < values.length; i++) out[where[i]!] = values[i]!;
  return [fromNumbers(x.type, dims, out)];
}

export const op = defineOp('MaxUnpool', 9, maxUnpool);
