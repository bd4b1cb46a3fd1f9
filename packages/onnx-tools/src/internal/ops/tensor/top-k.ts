// TopK: the k largest (or smallest) values along axis and their indices, ties by lower index.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor, sizeOf, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { takeElements } from '../util/indexing.js';
import { normalizeAxis } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function topK(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', -1), x.dims.length);
  const k = context.opset >= 10 ? readInts(requireInput(context, inputs, 1))[0]! : intAttr(attributes, 'k', 1);
  const largest = intAttr(attributes, 'largest', 1) === 1;
  const values = toNumbers(x);
  const outer = sizeOf(x.dims.slice(0, axis));
  const extent = x.dims[axis]!;
  const inner = sizeOf(x.dims.slice(axis + 1));
  if (k > extent) throw evaluateError(context, 'K is larger than the axis', { expected: `K <= ${extent}`, found: String(k) });
  const outDims = x.dims.map((d, i) => (i === axis ? k : d));
  const map = new Int32Array(outer * k * inner);
  const indices = new BigInt64Array(outer * k * inner);
  const order = Array.from({ length: extent }, (_, i) => i);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => values[(o * extent + j) * inner + i]!;
      order.sort((p, q) => {
        const d = largest ? at(q) - at(p) : at(p) - at(q);
        return d === 0 || Number.isNaN(d) ? p - q : d;
      });
      for (let j = 0; j < k; j++) {
        const target = (o * k + j) * inner + i;
        map[target] = (o * extent + order[j]!) * inner + i;
        indices[target] = BigInt(order[j]!);
      }
      order.sort((p, q) => p - q);
    }
  return [takeElements(x, outDims, map), makeTensor('int64', outDims, indices)];
}

export const op = defineOp('TopK', 1, topK);
