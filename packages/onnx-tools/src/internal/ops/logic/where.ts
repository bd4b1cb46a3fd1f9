// Where: condition ? X : Y, all three broadcast; any element type.
import type { Tensor } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { allocate, expectType, makeTensor } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { broadcastIndex, broadcastShapes } from '../util/shape.js';

function where(context: OpContext, condition: Tensor, x: Tensor, y: Tensor): Tensor {
  expectType(context, condition, ['bool'], 'condition');
  if (x.type !== y.type) throw evaluateError(context, 'X and Y must have the same type', { expected: x.type, found: y.type });
  const dims = broadcastShapes(context, [condition.dims, x.dims, y.dims]);
  const mapC = broadcastIndex(dims, condition.dims);
  const mapX = broadcastIndex(dims, x.dims);
  const mapY = broadcastIndex(dims, y.dims);
  let n = 1;
  for (const d of dims) n *= d;
  const cond = condition.data as Uint8Array;
  const xs = x.data as ArrayLike<unknown>;
  const ys = y.data as ArrayLike<unknown>;
  const out = allocate(x.type, n) as unknown as unknown[];
  for (let i = 0; i < n; i++) {
    out[i] = cond[mapC ? mapC[i]! : i] ? xs[mapX ? mapX[i]! : i] : ys[mapY ? mapY[i]! : i];
  }
  return makeTensor(x.type, dims, out as never);
}

export const op = defineOp('Where', 9, (inputs, _attributes, context) => [
  where(context, requireInput(context, inputs, 0), requireInput(context, inputs, 1), requireInput(context, inputs, 2)),
]);
