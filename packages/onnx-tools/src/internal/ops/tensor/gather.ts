// Gather: pick slices of data along axis by (possibly negative) indices.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { allocate, makeTensor, sizeOf } from '../util/dtype.js';
import { checkedIndex } from '../util/gather-scatter.js';
import { copyRange } from '../util/indexing.js';
import { normalizeAxis } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function gather(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const data = requireInput(context, inputs, 0);
  const indicesTensor = requireInput(context, inputs, 1);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), data.dims.length);
  const indices = readInts(indicesTensor);
  const outer = sizeOf(data.dims.slice(0, axis));
  const extent = data.dims[axis]!;
  const inner = sizeOf(data.dims.slice(axis + 1));
  const outDims = [...data.dims.slice(0, axis), ...indicesTensor.dims, ...data.dims.slice(axis + 1)];
  const out = allocate(data.type, sizeOf(outDims));
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const index of indices) {
      copyRange(out, offset, data.data, (o * extent + checkedIndex(context, index, extent)) * inner, inner);
      offset += inner;
    }
  }
  return [makeTensor(data.type, outDims, out)];
}

export const op = defineOp('Gather', 1, gather);
