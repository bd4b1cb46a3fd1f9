// GatherND: gather slices addressed by index tuples in the last axis of indices (batch_dims leading axes shared).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { allocate, makeTensor } from '../util/dtype.js';
import { tupleOffsets } from '../util/gather-scatter.js';
import { copyRange } from '../util/indexing.js';

type Inputs = readonly (Tensor | undefined)[];

function gatherND(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const data = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const batchDims = intAttr(attributes, 'batch_dims', 0);
  const depth = indices.dims[indices.dims.length - 1]!;
  const { offsets, slice, tuples } = tupleOffsets(context, data.dims, indices, batchDims);
  const outDims = [...indices.dims.slice(0, -1), ...data.dims.slice(batchDims + depth)];
  const out = allocate(data.type, tuples * slice);
  for (let t = 0; t < tuples; t++) copyRange(out, t * slice, data.data, offsets[t]!, slice);
  return [makeTensor(data.type, outDims, out)];
}

export const op = defineOp('GatherND', 11, gatherND);
