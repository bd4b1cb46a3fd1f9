// Slice: starts/ends/axes/steps (attributes before opset 10, inputs after), clamped as ONNX says.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intsAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { evaluateError } from '../util/errors.js';
import { takeElements, viewIndex } from '../util/indexing.js';
import { normalizeAxis, stridesOf } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

/** Clamps start/end the way ONNX Slice does and returns the element count. */
export function sliceRange(start: number, end: number, step: number, extent: number): { start: number; count: number } {
  if (start < 0) start += extent;
  if (end < 0) end += extent;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), extent);
    end = Math.min(Math.max(end, 0), extent);
    return { start, count: Math.max(0, Math.ceil((end - start) / step)) };
  }
  start = Math.min(Math.max(start, 0), extent - 1);
  end = Math.min(Math.max(end, -1), extent - 1);
  return { start, count: Math.max(0, Math.ceil((end - start) / step)) };
}

function slice(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const rank = x.dims.length;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (context.opset >= 10) {
    starts = readInts(requireInput(context, inputs, 1));
    ends = readInts(requireInput(context, inputs, 2));
    axes = inputs[3] ? readInts(inputs[3]) : undefined;
    steps = inputs[4] ? readInts(inputs[4]) : undefined;
  } else {
    starts = intsAttr(attributes, 'starts') ?? [];
    ends = intsAttr(attributes, 'ends') ?? [];
    axes = intsAttr(attributes, 'axes');
  }
  const sliceStarts = new Array<number>(rank).fill(0);
  const sliceSteps = new Array<number>(rank).fill(1);
  const outDims = [...x.dims];
  starts.forEach((s, i) => {
    const axis = normalizeAxis(context, axes ? axes[i]! : i, rank);
    const step = steps ? steps[i]! : 1;
    if (step === 0) throw evaluateError(context, 'slice step cannot be 0');
    const r = sliceRange(s, ends[i]!, step, x.dims[axis]!);
    sliceStarts[axis] = r.start;
    sliceSteps[axis] = step;
    outDims[axis] = r.count;
  });
  const strides = stridesOf(x.dims);
  const base = sliceStarts.reduce((sum, s, i) => sum + s * strides[i]!, 0);
  return [takeElements(x, outDims, viewIndex(outDims, base, strides.map((s, i) => s * sliceSteps[i]!)))];
}

export const op = defineOp('Slice', 1, slice);
