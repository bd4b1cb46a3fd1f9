// Running sums and products along one axis (exclusive, reverse).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput, scalarInput } from './attributes.js';
import { fromNumbers, sizeOf, toNumbers } from './dtype.js';
import { normalizeAxis } from './shape.js';

type Inputs = readonly (Tensor | undefined)[];

/** CumSum (product=false) or CumProd along the axis given as input 1. */
export function cumulative(product: boolean) {
  return (inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] => {
    const x = requireInput(context, inputs, 0);
    const axis = normalizeAxis(context, scalarInput(inputs, 1, 0), x.dims.length);
    const exclusive = intAttr(attributes, 'exclusive', 0) === 1;
    const reverse = intAttr(attributes, 'reverse', 0) === 1;
    const values = toNumbers(x);
    const outer = sizeOf(x.dims.slice(0, axis));
    const extent = x.dims[axis]!;
    const inner = sizeOf(x.dims.slice(axis + 1));
    const out = new Float64Array(values.length);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let acc = product ? 1 : 0;
        for (let step = 0; step < extent; step++) {
          const k = reverse ? extent - 1 - step : step;
          const index = (o * extent + k) * inner + i;
          if (exclusive) out[index] = acc;
          acc = product ? acc * values[index]! : acc + values[index]!;
          if (!exclusive) out[index] = acc;
        }
      }
    return [fromNumbers(x.type, x.dims, out)];
  };
}

