// OneHot: values[1] where the index matches, values[0] elsewhere, along a new axis of length depth.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput, scalarInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { sizeOf, toNumbers } from '../util/dtype.js';
import { takeElements } from '../util/indexing.js';
import { normalizeAxis } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function oneHot(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const indices = toNumbers(requireInput(context, inputs, 0));
  const indexDims = requireInput(context, inputs, 0).dims;
  const depth = Math.trunc(scalarInput(inputs, 1, 0));
  const valuesTensor = requireInput(context, inputs, 2);
  const rank = indexDims.length + 1;
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', -1), rank);
  const outDims = [...indexDims.slice(0, axis), depth, ...indexDims.slice(axis)];
  const outer = sizeOf(indexDims.slice(0, axis));
  const inner = sizeOf(indexDims.slice(axis));
  const map = new Int32Array(sizeOf(outDims));
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let index = Math.trunc(indices[o * inner + i]!);
      if (index < 0) index += depth;
      for (let d = 0; d < depth; d++) map[(o * depth + d) * inner + i] = d === index ? 1 : 0;
    }
  return [takeElements(valuesTensor, outDims, map)];
}

export const op = defineOp('OneHot', 9, oneHot);
