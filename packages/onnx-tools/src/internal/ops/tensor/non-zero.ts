// NonZero: the coordinates of the non-zero elements, one row per axis.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor, toNumbers } from '../util/dtype.js';
import { stridesOf } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function nonZero(inputs: Inputs, _attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const values = x.type === 'string' ? (x.data as string[]).map((s) => (s === '' ? 0 : 1)) : toNumbers(x);
  const rank = x.dims.length;
  const strides = stridesOf(x.dims);
  const hits: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i]) hits.push(i);
  const out = new BigInt64Array(rank * hits.length);
  hits.forEach((flat, j) => {
    for (let a = 0; a < rank; a++) out[a * hits.length + j] = BigInt(Math.floor(flat / strides[a]!) % x.dims[a]!);
  });
  return [makeTensor('int64', [rank, hits.length], out)];
}

export const op = defineOp('NonZero', 9, nonZero);
