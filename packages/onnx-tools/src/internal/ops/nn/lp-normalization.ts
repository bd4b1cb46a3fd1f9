// LpNormalization: divide by the L1 or L2 norm along axis.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { normalizeAxis } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function lpNorm(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', -1), x.dims.length);
  const p = intAttr(attributes, 'p', 2);
  const values = toNumbers(x);
  const outer = sizeOf(x.dims.slice(0, axis));
  const extent = x.dims[axis]!;
  const inner = sizeOf(x.dims.slice(axis + 1));
  const out = new Float64Array(values.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let norm = 0;
      for (let k = 0; k < extent; k++) norm += p === 1 ? Math.abs(values[(o * extent + k) * inner + i]!) : values[(o * extent + k) * inner + i]! ** 2;
      if (p !== 1) norm = Math.sqrt(norm);
      for (let k = 0; k < extent; k++) {
        const index = (o * extent + k) * inner + i;
        out[index] = norm === 0 ? 0 : values[index]! / norm;
      }
    }
  return [fromNumbers(x.type, x.dims, out)];
}

export const op = defineOp('LpNormalization', 1, lpNorm);
