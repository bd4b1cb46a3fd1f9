// Windowed and global pooling (max, average, Lp) shared by the pool ops.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intAttr, intsAttr, requireInput } from './attributes.js';
import { type Geometry, windowGeometry } from './conv-geometry.js';
import { expectType, FLOAT_TYPES, fromNumbers, makeTensor, sizeOf, toNumbers } from './dtype.js';
import { evaluateError } from './errors.js';

export type PoolKind = 'max' | 'average' | 'lp';

interface PoolResult {
  values: Float64Array;
  indices: BigInt64Array;
}

/** Visits every output position of every (n, c) plane and reduces its window. */
function pool(kind: PoolKind, values: ArrayLike<number>, planes: number, g: Geometry, attributes: Attributes, storageOrder: number): PoolResult {
  const rank = g.inDims.length;
  const inSize = sizeOf(g.inDims);
  const outSize = sizeOf(g.outDims);
  const kernelSize = sizeOf(g.kernel);
  const countIncludePad = intAttr(attributes, 'count_include_pad', 0) === 1;
  const p = intAttr(attributes, 'p', 2);
  const out = new Float64Array(planes * outSize);
  const indices = new BigInt64Array(kind === 'max' ? planes * outSize : 0);
  const o = new Array<number>(rank);
  const coordinate = new Array<number>(rank);
  for (let op = 0; op < outSize; op++) {
    let rest = op;
    for (let a = rank - 1; a >= 0; a--) {
      o[a] = rest % g.outDims[a]!;
      rest = Math.floor(rest / g.outDims[a]!);
    }
    for (let plane = 0; plane < planes; plane++) {
      const base = plane * inSize;
      let best = -Infinity;
      let bestIndex = -1;
      let sum = 0;
      let valid = 0;
      let padded = 0;
      for (let kp = 0; kp < kernelSize; kp++) {
        let r = kp;
        let inside = true;
        let inPadded = true;
        for (let a = rank - 1; a >= 0; a--) {
          const k = r % g.kernel[a]!;
          r = Math.floor(r / g.kernel[a]!);
          const c = o[a]! * g.strides[a]! - g.padBegin[a]! + k * g.dilations[a]!;
          coordinate[a] = c;
          if (c < 0 || c >= g.inDims[a]!) inside = false;
          if (c < -g.padBegin[a]! || c >= g.inDims[a]! + g.padEnd[a]!) inPadded = false;
        }
        if (inPadded) padded++;
        if (!inside) continue;
        let index = 0;
        for (let a = 0; a < rank; a++) index = index * g.inDims[a]! + coordinate[a]!;
        const v = values[base + index]!;
        valid++;
        if (kind === 'max') {
          if (v > best || bestIndex < 0) {
            best = v;
            bestIndex = storageOrder === 1 ? columnMajor(coordinate, g.inDims) : index;
          }
        } else if (kind === 'average') sum += v;
        else sum += Math.abs(v) ** p;
      }
      const target = plane * outSize + op;
      if (kind === 'max') {
        out[target] = best;
        indices[target] = BigInt(base + Math.max(bestIndex, 0));
      } else if (kind === 'average') out[target] = sum / (countIncludePad ? padded : valid);
      else out[target] = sum ** (1 / p);
    }
  }
  return { values: out, indices };
}

function columnMajor(coordinate: readonly number[], dims: readonly number[]): number {
  let index = 0;
  for (let a = dims.length - 1; a >= 0; a--) index = index * dims[a]! + coordinate[a]!;
  return index;
}

/** A windowed pool op (kernel_shape, strides, pads, dilations, ceil_mode). MaxPool also returns Indices. */
export function poolOp(kind: PoolKind) {
  return (inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] => {
    const x = requireInput(context, inputs, 0);
    expectType(context, x, kind === 'max' ? [...FLOAT_TYPES, 'int8', 'uint8'] : FLOAT_TYPES);
    const kernel = intsAttr(attributes, 'kernel_shape');
    if (!kernel) throw evaluateError(context, 'kernel_shape is required');
    const g = windowGeometry(context, attributes, x.dims.slice(2), kernel, intAttr(attributes, 'ceil_mode', 0) === 1);
    const planes = x.dims[0]! * x.dims[1]!;
    const result = pool(kind, toNumbers(x), planes, g, attributes, intAttr(attributes, 'storage_order', 0));
    const dims = [x.dims[0]!, x.dims[1]!, ...g.outDims];
    const y = fromNumbers(x.type, dims, result.values);
    return kind === 'max' ? [y, makeTensor('int64', dims, result.indices)] : [y];
  };
}

/** A pool over all spatial positions of each (n, c) plane. */
export function globalPool(kind: PoolKind) {
  return (inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] => {
    const x = requireInput(context, inputs, 0);
    expectType(context, x, FLOAT_TYPES);
    const values = toNumbers(x);
    const planes = x.dims[0]! * x.dims[1]!;
    const inner = sizeOf(x.dims.slice(2));
    const p = floatAttr(attributes, 'p', 2);
    const out = new Float64Array(planes);
    for (let plane = 0; plane < planes; plane++) {
      let acc = kind === 'max' ? -Infinity : 0;
      for (let i = plane * inner; i < (plane + 1) * inner; i++) {
        const v = values[i]!;
        if (kind === 'max') acc = v > acc ? v : acc;
        else if (kind === 'average') acc += v;
        else acc += Math.abs(v) ** p;
      }
      out[plane] = kind === 'average' ? acc / inner : kind === 'lp' ? acc ** (1 / p) : acc;
    }
    return [fromNumbers(x.type, [x.dims[0]!, x.dims[1]!, ...x.dims.slice(2).map(() => 1)], out)];
  };
}

