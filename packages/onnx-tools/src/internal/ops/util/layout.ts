// Transpose and Concat of whole tensors, used by their ops and by others (DepthToSpace, Scan, ...).
import type { Tensor } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { allocate, makeTensor, sizeOf } from './dtype.js';
import { evaluateError } from './errors.js';
import { copyRange, takeElements, viewIndex } from './indexing.js';
import { normalizeAxis, stridesOf } from './shape.js';

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const strides = stridesOf(x.dims);
  const outDims = perm.map((p) => x.dims[p]!);
  return takeElements(x, outDims, viewIndex(outDims, 0, perm.map((p) => strides[p]!)));
}

export function concat(context: OpContext, tensors: readonly Tensor[], axisAttribute: number): Tensor {
  const first = tensors[0]!;
  const axis = normalizeAxis(context, axisAttribute, first.dims.length);
  const outDims = [...first.dims];
  outDims[axis] = tensors.reduce((sum, t) => sum + t.dims[axis]!, 0);
  for (const t of tensors) {
    if (t.type !== first.type || t.dims.length !== first.dims.length || t.dims.some((d, i) => i !== axis && d !== first.dims[i])) {
      throw evaluateError(context, 'inputs do not match outside the concat axis', { expected: `${first.type} [${first.dims.join(',')}]`, found: `${t.type} [${t.dims.join(',')}]` });
    }
  }
  const outer = sizeOf(first.dims.slice(0, axis));
  const inner = sizeOf(first.dims.slice(axis + 1));
  const out = allocate(first.type, sizeOf(outDims));
  const outBlock = outDims[axis]! * inner;
  let offset = 0;
  for (const t of tensors) {
    const block = t.dims[axis]! * inner;
    for (let o = 0; o < outer; o++) copyRange(out, o * outBlock + offset, t.data, o * block, block);
    offset += block;
  }
  return makeTensor(first.type, outDims, out);
}

