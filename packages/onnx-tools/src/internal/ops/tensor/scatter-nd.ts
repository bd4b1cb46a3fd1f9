// ScatterND: write update slices into a copy of data at index tuples (with reduction).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { scatter, tupleOffsets } from '../util/gather-scatter.js';

type Inputs = readonly (Tensor | undefined)[];

function scatterND(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const data = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const updates = requireInput(context, inputs, 2);
  const { offsets, slice } = tupleOffsets(context, data.dims, indices, 0);
  return [scatter(context, data, updates, offsets, slice, stringAttr(attributes, 'reduction', 'none'))];
}

export const op = defineOp('ScatterND', 11, scatterND);
