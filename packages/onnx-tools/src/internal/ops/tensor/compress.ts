// Compress: keep the slices along axis (or flat elements) whose condition is true.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { sizeOf, toNumbers } from '../util/dtype.js';
import { takeElements } from '../util/indexing.js';
import { normalizeAxis } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function compress(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const condition = toNumbers(requireInput(context, inputs, 1));
  const axisAttribute = intAttr(attributes, 'axis');
  if (axisAttribute === undefined) {
    const keep: number[] = [];
    for (let i = 0; i < Math.min(condition.length, x.data.length); i++) if (condition[i]) keep.push(i);
    return [takeElements(x, [keep.length], keep)];
  }
  const axis = normalizeAxis(context, axisAttribute, x.dims.length);
  const selected: number[] = [];
  for (let i = 0; i < Math.min(condition.length, x.dims[axis]!); i++) if (condition[i]) selected.push(i);
  const outer = sizeOf(x.dims.slice(0, axis));
  const inner = sizeOf(x.dims.slice(axis + 1));
  const map: number[] = [];
  for (let o = 0; o < outer; o++) for (const s of selected) for (let i = 0; i < inner; i++) map.push((o * x.dims[axis]! + s) * inner + i);
  return [takeElements(x, x.dims.map((d, i) => (i === axis ? selected.length : d)), map)];
}

export const op = defineOp('Compress', 9, compress);
