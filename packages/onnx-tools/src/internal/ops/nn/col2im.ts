// Col2Im: sum sliding-window columns [N, C * prod(block), L] back into images [N, C, *image_shape]
// (the inverse layout of im2col), with strides, dilations and pads.
import { intsAttr, readInts, requireInput } from '../util/attributes.js';
import type { Geometry } from '../util/conv-geometry.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { col2im } from '../util/im2col.js';

export const op = defineOp('Col2Im', 18, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, FLOAT_TYPES);
  const image = readInts(requireInput(context, inputs, 1));
  const block = readInts(requireInput(context, inputs, 2));
  const rank = image.length;
  const strides = intsAttr(attributes, 'strides') ?? new Array<number>(rank).fill(1);
  const dilations = intsAttr(attributes, 'dilations') ?? new Array<number>(rank).fill(1);
  const pads = intsAttr(attributes, 'pads') ?? new Array<number>(2 * rank).fill(0);
  const blocks = image.map((d, i) => Math.floor((d + pads[i]! + pads[i + rank]! - dilations[i]! * (block[i]! - 1) - 1) / strides[i]!) + 1);
  const [batch, columns, count] = x.dims as [number, number, number];
  const kernelSize = sizeOf(block);
  if (x.dims.length !== 3 || columns % kernelSize !== 0 || count !== sizeOf(blocks)) {
    throw evaluateError(context, 'input does not hold the blocks of image_shape and block_shape', {
      expected: `[N, C * ${kernelSize}, ${sizeOf(blocks)}]`,
      found: `[${x.dims.join(', ')}]`,
    });
  }
  const channels = columns / kernelSize;
  const g: Geometry = { inDims: image, kernel: block, strides, dilations, padBegin: pads.slice(0, rank), padEnd: pads.slice(rank), outDims: blocks };
  const values = Float64Array.from(toNumbers(x));
  const planes = sizeOf(image);
  const out = new Float64Array(batch * channels * planes);
  for (let n = 0; n < batch; n++) {
    col2im(values.subarray(n * columns * count, (n + 1) * columns * count), channels, g, out, n * channels * planes);
  }
  return [fromNumbers(x.type, [batch, channels, ...image], out)];
});
