// Softmax, LogSoftmax and Hardmax along one axis. Before opset 13 the input is coerced to 2-D at
// `axis` (default 1); from 13 the op runs along one axis (default -1).
import type { Tensor } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { expectType, FLOAT_TYPES, fromNumbers, sizeOf, toNumbers } from './dtype.js';
import { normalizeAxis } from './shape.js';

export type SoftmaxKind = 'Softmax' | 'LogSoftmax' | 'Hardmax';

/** Applies the op to `outer * inner` strided lanes of length `extent`. */
function applyLanes(kind: SoftmaxKind, values: ArrayLike<number>, out: Float64Array, outer: number, extent: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * extent * inner + i;
      let max = -Infinity;
      let argmax = 0;
      for (let k = 0; k < extent; k++) {
        const v = values[base + k * inner]!;
        if (v > max) {
          max = v;
          argmax = k;
        }
      }
      if (kind === 'Hardmax') {
        for (let k = 0; k < extent; k++) out[base + k * inner] = k === argmax ? 1 : 0;
        continue;
      }
      let sum = 0;
      for (let k = 0; k < extent; k++) sum += Math.exp(values[base + k * inner]! - max);
      if (kind === 'Softmax') for (let k = 0; k < extent; k++) out[base + k * inner] = Math.exp(values[base + k * inner]! - max) / sum;
      else {
        const logSum = Math.log(sum);
        for (let k = 0; k < extent; k++) out[base + k * inner] = values[base + k * inner]! - max - logSum;
      }
    }
  }
}

export function softmaxLike(context: OpContext, kind: SoftmaxKind, x: Tensor, axisAttribute: number | undefined): Tensor {
  expectType(context, x, FLOAT_TYPES);
  const rank = x.dims.length;
  const values = toNumbers(x);
  const out = new Float64Array(values.length);
  if (context.opset < 13) {
    const axis = normalizeAxis(context, axisAttribute ?? 1, Math.max(rank, 1));
    applyLanes(kind, values, out, sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis)), 1);
  } else {
    const axis = normalizeAxis(context, axisAttribute ?? -1, rank);
    applyLanes(kind, values, out, sizeOf(x.dims.slice(0, axis)), x.dims[axis]!, sizeOf(x.dims.slice(axis + 1)));
  }
  return fromNumbers(x.type, x.dims, out);
}
