// ScatterElements: write updates into a copy of data at per-element indices along axis (with reduction).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { elementOffsets, scatter } from '../util/gather-scatter.js';
import { normalizeAxis } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

export function scatterElements(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const data = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const updates = requireInput(context, inputs, 2);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), data.dims.length);
  const offsets = elementOffsets(context, data.dims, indices, axis);
  return [scatter(context, data, updates, offsets, 1, stringAttr(attributes, 'reduction', 'none'))];
}

export const op = defineOp('ScatterElements', 11, scatterElements);
