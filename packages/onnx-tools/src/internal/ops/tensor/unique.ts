// Unique: the distinct elements (or slices along axis), sorted or in first-seen order, with indices, inverse indices and counts.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor, sizeOf } from '../util/dtype.js';
import { takeElements } from '../util/indexing.js';
import { normalizeAxis } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

type Elements = { [index: number]: unknown; length: number };

function unique(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axisAttribute = intAttr(attributes, 'axis');
  const sorted = intAttr(attributes, 'sorted', 1) === 1;
  const dims = axisAttribute === undefined ? [x.data.length] : x.dims;
  const axis = axisAttribute === undefined ? 0 : normalizeAxis(context, axisAttribute, dims.length);
  const outer = sizeOf(dims.slice(0, axis));
  const extent = dims[axis]!;
  const inner = sizeOf(dims.slice(axis + 1));
  const source = x.data as unknown as Elements;
  const slices: unknown[][] = [];
  for (let k = 0; k < extent; k++) {
    const s: unknown[] = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) s.push(source[(o * extent + k) * inner + i]);
    slices.push(s);
  }
  const firstOf = new Map<string, number>();
  const keys = slices.map((s) => s.map(String).join('\u0000'));
  keys.forEach((key, k) => {
    if (!firstOf.has(key)) firstOf.set(key, k);
  });
  let order = [...firstOf.values()];
  if (sorted) {
    const compare = (p: number, q: number): number => {
      for (let j = 0; j < slices[p]!.length; j++) {
        const a = slices[p]![j] as number;
        const b = slices[q]![j] as number;
        if (a < b) return -1;
        if (a > b) return 1;
      }
      return 0;
    };
    order = order.sort(compare);
  }
  const position = new Map(order.map((k, j) => [keys[k]!, j]));
  const map: number[] = [];
  for (let o = 0; o < outer; o++) for (const k of order) for (let i = 0; i < inner; i++) map.push((o * extent + k) * inner + i);
  const outDims = dims.map((d, i) => (i === axis ? order.length : d));
  const counts = new Array<number>(order.length).fill(0);
  keys.forEach((key) => counts[position.get(key)!]!++);
  const int64 = (values: number[]) => makeTensor('int64', [values.length], BigInt64Array.from(values, (v) => BigInt(v)));
  return [
    takeElements(x, outDims, map),
    int64(order),
    int64(keys.map((key) => position.get(key)!)),
    int64(counts),
  ];
}

export const op = defineOp('Unique', 11, unique);
