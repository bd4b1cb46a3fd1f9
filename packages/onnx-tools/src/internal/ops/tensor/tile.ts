// Tile: repeat the tensor repeats[i] times along each axis.
import type { Tensor } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { sizeOf } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { takeElements } from '../util/indexing.js';
import { stridesOf } from '../util/shape.js';

function tile(context: OpContext, x: Tensor, repeats: number[]): Tensor {
  const rank = x.dims.length;
  if (repeats.length !== rank) throw evaluateError(context, 'repeats must have one entry per axis', { expected: String(rank), found: String(repeats.length) });
  const outDims = x.dims.map((d, i) => d * repeats[i]!);
  const inStrides = stridesOf(x.dims);
  const total = sizeOf(outDims);
  const map = new Int32Array(total);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < total; i++) {
    let offset = 0;
    for (let a = 0; a < rank; a++) offset += (index[a]! % x.dims[a]!) * inStrides[a]!;
    map[i] = offset;
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a]! < outDims[a]!) break;
      index[a] = 0;
    }
  }
  return takeElements(x, outDims, map);
}

export const op = defineOp('Tile', 6, (inputs, _attributes, context) => [tile(context, requireInput(context, inputs, 0), readInts(requireInput(context, inputs, 1)))]);
