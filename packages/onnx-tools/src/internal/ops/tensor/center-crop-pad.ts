// CenterCropPad: crop or zero-pad each given axis to the target extent, keeping the centre
// (an odd difference leaves the extra element at the end).
import { intsAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { allocate, makeTensor, sizeOf } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { normalizeAxis, stridesOf } from '../util/shape.js';

export const op = defineOp('CenterCropPad', 18, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const shape = readInts(requireInput(context, inputs, 1));
  const rank = x.dims.length;
  const axes = (intsAttr(attributes, 'axes') ?? [...Array(rank).keys()]).map((a) => normalizeAxis(context, a, rank));
  if (shape.length !== axes.length) throw evaluateError(context, 'shape needs one extent per axis', { expected: String(axes.length), found: String(shape.length) });
  const outDims = [...x.dims];
  // Per axis: output index o reads input index o + shift (negative shift pads at the start).
  const shift = new Array<number>(rank).fill(0);
  axes.forEach((axis, i) => {
    const target = shape[i]!;
    const extent = x.dims[axis]!;
    shift[axis] = extent >= target ? Math.floor((extent - target) / 2) : -Math.floor((target - extent) / 2);
    outDims[axis] = target;
  });
  const inStrides = stridesOf(x.dims);
  const total = sizeOf(outDims);
  const out = allocate(x.type, total) as unknown as unknown[];
  const source = x.data as unknown as unknown[];
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < total; o++) {
    let offset = 0;
    for (let a = 0; a < rank && offset >= 0; a++) {
      const c = index[a]! + shift[a]!;
      offset = c < 0 || c >= x.dims[a]! ? -1 : offset + c * inStrides[a]!;
    }
    if (offset >= 0) out[o] = source[offset];
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a]! < outDims[a]!) break;
      index[a] = 0;
    }
  }
  return [makeTensor(x.type, outDims, out as never)];
});
