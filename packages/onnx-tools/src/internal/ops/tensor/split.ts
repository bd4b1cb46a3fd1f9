// Split: cut along axis into given sizes (attribute before opset 13, input after) or equal parts.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, intsAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { allocate, makeTensor, sizeOf } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { copyRange } from '../util/indexing.js';
import { normalizeAxis } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function split(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), x.dims.length);
  const extent = x.dims[axis]!;
  let sizes = context.opset >= 13 ? (inputs[1] ? readInts(inputs[1]) : undefined) : intsAttr(attributes, 'split');
  if (!sizes) {
    const parts = intAttr(attributes, 'num_outputs') ?? context.outputCount;
    const chunk = Math.ceil(extent / parts);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, extent - i * chunk)));
  }
  if (sizes.reduce((a, b) => a + b, 0) !== extent) {
    throw evaluateError(context, 'split sizes do not add up to the axis extent', { expected: String(extent), found: sizes.join('+') });
  }
  const outer = sizeOf(x.dims.slice(0, axis));
  const inner = sizeOf(x.dims.slice(axis + 1));
  const results: Tensor[] = [];
  let offset = 0;
  for (const size of sizes) {
    const dims = [...x.dims];
    dims[axis] = size;
    const out = allocate(x.type, sizeOf(dims));
    for (let o = 0; o < outer; o++) copyRange(out, o * size * inner, x.data, (o * extent + offset) * inner, size * inner);
    results.push(makeTensor(x.type, dims, out));
    offset += size;
  }
  return results;
}

export const op = defineOp('Split', 2, split);
