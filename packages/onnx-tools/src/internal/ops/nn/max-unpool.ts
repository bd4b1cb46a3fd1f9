// MaxUnpool: scatter pooled values back to the positions MaxPool's Indices recorded.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intsAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { stridesOf } from '../util/shape.js';

function maxUnpool(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const kernel = intsAttr(attributes, 'kernel_shape') ?? [];
  const strides = intsAttr(attributes, 'strides') ?? kernel.map(() => 1);
  const pads = intsAttr(attributes, 'pads') ?? new Array<number>(2 * kernel.length).fill(0);
  const rank = kernel.length;
  const inferred = [x.dims[0]!, x.dims[1]!, ...x.dims.slice(2).map((d, i) => (d - 1) * strides[i]! + kernel[i]! - pads[i]! - pads[i + rank]!)];
  const dims = inputs[2] ? Array.from(toNumbers(inputs[2])) : inferred;
  if (dims.length !== inferred.length || dims[0] !== inferred[0] || dims[1] !== inferred[1]) {
    throw evaluateError(context, 'output_shape must keep N and C', { expected: `[${inferred.slice(0, 2).join(', ')}, ...]`, found: `[${dims.join(', ')}]` });
  }
  // Indices address the unpooled tensor of the inferred shape; with a different output_shape each
  // value keeps its coordinates (a larger output gets zero rows and columns at the end).
  const inferredStrides = stridesOf(inferred);
  const outStrides = stridesOf(dims);
  const out = new Float64Array(sizeOf(dims));
  const values = toNumbers(x);
  const where = toNumbers(indices);
  for (let i = 0; i < values.length; i++) {
    let target = 0;
    let inside = true;
    for (let a = 0; a < dims.length; a++) {
      const coordinate = Math.floor(where[i]! / inferredStrides[a]!) % inferred[a]!;
      if (coordinate >= dims[a]!) inside = false;
      target += coordinate * outStrides[a]!;
    }
    if (inside) out[target] = values[i]!;
  }
  return [fromNumbers(x.type, dims, out)];
}

export const op = defineOp('MaxUnpool', 9, maxUnpool);
