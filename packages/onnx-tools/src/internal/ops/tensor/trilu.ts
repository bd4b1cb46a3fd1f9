// Trilu: keep the upper (or lower) triangle of the last two axes, offset by k.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput, scalarInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor } from '../util/dtype.js';

type Inputs = readonly (Tensor | undefined)[];

type Elements = { [index: number]: unknown; length: number };

function trilu(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const k = scalarInput(inputs, 1, 0);
  const upper = intAttr(attributes, 'upper', 1) === 1;
  const rows = x.dims[x.dims.length - 2]!;
  const cols = x.dims[x.dims.length - 1]!;
  const out = x.data.slice() as unknown as Elements;
  const zero = x.type === 'int64' || x.type === 'uint64' ? 0n : x.type === 'string' ? '' : 0;
  for (let i = 0; i < out.length; i++) {
    const c = i % cols;
    const r = Math.floor(i / cols) % rows;
    const keep = upper ? c - r >= k : c - r <= k;
    if (!keep) out[i] = zero;
  }
  return [makeTensor(x.type, x.dims, out as never)];
}

export const op = defineOp('Trilu', 14, trilu);
