// ReverseSequence: reverse the first sequence_lens[b] steps of each batch entry along time_axis.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { takeElements } from '../util/indexing.js';
import { stridesOf } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function reverseSequence(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const lengths = readInts(requireInput(context, inputs, 1));
  const batchAxis = intAttr(attributes, 'batch_axis', 1);
  const timeAxis = intAttr(attributes, 'time_axis', 0);
  const strides = stridesOf(x.dims);
  const map = new Int32Array(x.data.length);
  for (let i = 0; i < map.length; i++) {
    const b = Math.floor(i / strides[batchAxis]!) % x.dims[batchAxis]!;
    const t = Math.floor(i / strides[timeAxis]!) % x.dims[timeAxis]!;
    const length = lengths[b]!;
    map[i] = t < length ? i + (length - 1 - 2 * t) * strides[timeAxis]! : i;
  }
  return [takeElements(x, x.dims, map)];
}

export const op = defineOp('ReverseSequence', 10, reverseSequence);
