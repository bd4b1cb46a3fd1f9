// StringConcat: X + Y element-wise for broadcast string tensors.
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, makeTensor, sizeOf } from '../util/dtype.js';
import { broadcastIndex, broadcastShapes } from '../util/shape.js';

export const op = defineOp('StringConcat', 20, (inputs, _attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const y = requireInput(context, inputs, 1);
  expectType(context, x, ['string']);
  expectType(context, y, ['string']);
  const dims = broadcastShapes(context, [x.dims, y.dims]);
  const mapX = broadcastIndex(dims, x.dims);
  const mapY = broadcastIndex(dims, y.dims);
  const [xs, ys] = [x.data as string[], y.data as string[]];
  const out = Array.from({ length: sizeOf(dims) }, (_, i) => xs[mapX ? mapX[i]! : i]! + ys[mapY ? mapY[i]! : i]!);
  return [makeTensor('string', dims, out)];
});
