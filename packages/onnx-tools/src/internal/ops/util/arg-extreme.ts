// ArgMax / ArgMin: the index of the best element along one axis (first or last on ties).
import type { OpRegistration } from '../contract.js';
import { intAttr, requireInput } from './attributes.js';
import { defineOp } from './define.js';
import { expectType, makeTensor, NUMERIC_TYPES, sizeOf, toNumbers } from './dtype.js';
import { normalizeAxis } from './shape.js';

/** Registers an arg-reduction where `better(v, best)` says v replaces the current best. */
export function argExtremeOp(opType: string, better: (v: number, best: number) => boolean): OpRegistration {
  return defineOp(opType, 1, (inputs, attributes, context) => {
    const x = requireInput(context, inputs, 0);
    expectType(context, x, NUMERIC_TYPES);
    const rank = x.dims.length;
    const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), rank);
    const last = intAttr(attributes, 'select_last_index', 0) === 1;
    const values = toNumbers(x);
    const outer = sizeOf(x.dims.slice(0, axis));
    const extent = x.dims[axis]!;
    const inner = sizeOf(x.dims.slice(axis + 1));
    const out = new BigInt64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let bestIndex = 0;
        let best = values[o * extent * inner + i]!;
        for (let k = 1; k < extent; k++) {
          const v = values[(o * extent + k) * inner + i]!;
          if (better(v, best) || (last && v === best)) {
            best = v;
            bestIndex = k;
          }
        }
        out[o * inner + i] = BigInt(bestIndex);
      }
    }
    const keep = intAttr(attributes, 'keepdims', 1) === 1;
    const dims = keep ? x.dims.map((d, i) => (i === axis ? 1 : d)) : x.dims.filter((_, i) => i !== axis);
    return [makeTensor('int64', dims, out)];
  });
}
