// Float convolution (im2col + blocked GEMM) shared by Conv, ConvInteger and QLinearConv.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intsAttr } from './attributes.js';
import { type Geometry, groupAttr, windowGeometry } from './conv-geometry.js';
import { toNumbers } from './dtype.js';
import { evaluateError } from './errors.js';
import { type FloatArray, gemmAccumulate } from './gemm.js';
import { im2col } from './im2col.js';

export function product(values: readonly number[]): number {
  return values.reduce((p, v) => p * v, 1);
}

function isPointwise(g: Geometry): boolean {
  return g.kernel.every((k) => k === 1) && g.strides.every((s) => s === 1) && g.padBegin.every((p) => p === 0) && g.padEnd.every((p) => p === 0);
}

/** Float convolution on arrays; returns the output values and dims. */
export function convolve(
  context: OpContext, attributes: Attributes,
  x: FloatArray, xDims: readonly number[], w: FloatArray, wDims: readonly number[], bias: ArrayLike<number> | undefined,
): { values: FloatArray; dims: number[] } {
  const [batch, channels] = xDims as [number, number];
  const [filters, groupChannels] = wDims as [number, number];
  const group = groupAttr(attributes);
  const kernel = intsAttr(attributes, 'kernel_shape') ?? wDims.slice(2);
  if (channels !== groupChannels * group || filters % group !== 0) {
    throw evaluateError(context, 'channel counts do not match the group', { expected: `C = ${groupChannels} x group ${group}`, found: `X [${xDims.join(',')}] W [${wDims.join(',')}]` });
  }
  const g = windowGeometry(context, attributes, xDims.slice(2), kernel);
  const inSize = product(g.inDims);
  const outSize = product(g.outDims);
  const kernelSize = product(kernel);
  const filtersPerGroup = filters / group;
  const Ctor = x instanceof Float32Array ? Float32Array : Float64Array;
  const out = new Ctor(batch * filters * outSize);
  const w32 = x instanceof Float32Array && !(w instanceof Float32Array) ? Float32Array.from(w) : w;
  const pointwise = isPointwise(g);
  const col = pointwise ? undefined : new Ctor(groupChannels * kernelSize * outSize);
  for (let n = 0; n < batch; n++) {
    for (let gi = 0; gi < group; gi++) {
      const inOffset = (n * channels + gi * groupChannels) * inSize;
      const outOffset = (n * filters + gi * filtersPerGroup) * outSize;
      const wOffset = gi * filtersPerGroup * groupChannels * kernelSize;
      if (col) {
        im2col(x, inOffset, groupChannels, g, col);
        gemmAccumulate(filtersPerGroup, outSize, groupChannels * kernelSize, w32, wOffset, col, 0, out, outOffset);
      } else gemmAccumulate(filtersPerGroup, outSize, groupChannels, w32, wOffset, x, inOffset, out, outOffset);
    }
    if (bias) for (let m = 0; m < filters; m++) {
      const b = bias[m]!;
      const start = (n * filters + m) * outSize;
      for (let i = start; i < start + outSize; i++) out[i] = out[i]! + b;
    }
  }
  return { values: out, dims: [batch, filters, ...g.outDims] };
}

/** Integer values minus a zero point: per tensor, or per output channel (axis 0) for weights. */
export function centeredByChannel(t: Tensor, zeroPoint: Tensor | undefined, perChannelAxis0: boolean): Float64Array {
  const values = Float64Array.from(toNumbers(t));
  if (!zeroPoint) return values;
  const zp = toNumbers(zeroPoint);
  const block = values.length / (t.dims[0] ?? 1);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! - (zp.length === 1 || !perChannelAxis0 ? zp[0]! : zp[Math.floor(i / block)]!);
  return values;
}
