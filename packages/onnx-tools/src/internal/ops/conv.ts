// Conv (im2col + blocked GEMM), ConvTranspose (GEMM + col2im), ConvInteger, QLinearConv.
import type { Tensor, TensorType } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { intsAttr, requireInput, stringAttr } from './util/attributes.js';
import { type Geometry, groupAttr, windowGeometry } from './util/conv-geometry.js';
import { defineOp } from './util/define.js';
import { expectType, fromNumbers, makeTensor, toNumbers } from './util/dtype.js';
import { evaluateError } from './util/errors.js';
import { type FloatArray, gemmAccumulate, transposeMatrix } from './util/gemm.js';
import { col2im, im2col } from './util/im2col.js';
import { asFloatArray } from './matmul.js';

const FLOAT_CONV_TYPES: readonly TensorType[] = ['float32', 'float64', 'float16', 'bfloat16'];

function product(values: readonly number[]): number {
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

function conv(context: OpContext, inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor {
  const x = requireInput(context, inputs, 0);
  const w = requireInput(context, inputs, 1);
  expectType(context, x, FLOAT_CONV_TYPES);
  const bias = inputs[2] ? toNumbers(inputs[2]) : undefined;
  const { values, dims } = convolve(context, attributes, asFloatArray(x), x.dims, asFloatArray(w), w.dims, bias);
  if (x.type === 'float32' || x.type === 'float64') return makeTensor(x.type, dims, values as never);
  return fromNumbers(x.type, dims, values);
}

function convTranspose(context: OpContext, inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor {
  const x = requireInput(context, inputs, 0);
  const w = requireInput(context, inputs, 1);
  expectType(context, x, FLOAT_CONV_TYPES);
  const [batch, channels] = x.dims as [number, number];
  const group = groupAttr(attributes);
  const filtersPerGroup = w.dims[1]!;
  const filters = filtersPerGroup * group;
  const groupChannels = channels / group;
  const inDims = x.dims.slice(2);
  const rank = inDims.length;
  const kernel = intsAttr(attributes, 'kernel_shape') ?? w.dims.slice(2);
  const strides = intsAttr(attributes, 'strides') ?? new Array<number>(rank).fill(1);
  const dilations = intsAttr(attributes, 'dilations') ?? new Array<number>(rank).fill(1);
  const outputPadding = intsAttr(attributes, 'output_padding') ?? new Array<number>(rank).fill(0);
  const pads = intsAttr(attributes, 'pads') ?? new Array<number>(2 * rank).fill(0);
  const outputShape = intsAttr(attributes, 'output_shape');
  const autoPad = stringAttr(attributes, 'auto_pad', 'NOTSET');
  const padBegin = pads.slice(0, rank);
  const padEnd = pads.slice(rank);
  const outDims: number[] = [];
  for (let i = 0; i < rank; i++) {
    const full = strides[i]! * (inDims[i]! - 1) + outputPadding[i]! + (kernel[i]! - 1) * dilations[i]! + 1;
    if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const target = outputShape ? outputShape[outputShape.length - rank + i]! : inDims[i]! * strides[i]!;
      const total = Math.max(0, full - target);
      const half = Math.floor(total / 2);
      padBegin[i] = autoPad === 'SAME_UPPER' ? half : total - half;
      padEnd[i] = total - padBegin[i]!;
      outDims.push(target);
    } else outDims.push(full - padBegin[i]! - padEnd[i]!);
  }
  const g: Geometry = { inDims: outDims, kernel, strides, dilations, padBegin, padEnd, outDims: inDims };
  const xv = asFloatArray(x);
  let wv = asFloatArray(w);
  if (xv instanceof Float32Array && !(wv instanceof Float32Array)) wv = Float32Array.from(wv);
  const kernelSize = product(kernel);
  const inSize = product(inDims);
  const outSize = product(outDims);
  const Ctor = xv instanceof Float32Array ? Float32Array : Float64Array;
  const out = new Ctor(batch * filters * outSize);
  const col = new Ctor(filtersPerGroup * kernelSize * inSize);
  const wRow = filtersPerGroup * kernelSize;
  for (let n = 0; n < batch; n++) {
    for (let gi = 0; gi < group; gi++) {
      // W_g is [groupChannels, filtersPerGroup * kernel]; col = W_gᵀ · X_g.
      const wt = transposeMatrix(wv, groupChannels, wRow, gi * groupChannels * wRow);
      col.fill(0);
      gemmAccumulate(wRow, inSize, groupChannels, wt, 0, xv, (n * channels + gi * groupChannels) * inSize, col, 0);
      col2im(col, filtersPerGroup, g, out, (n * filters + gi * filtersPerGroup) * outSize);
    }
  }
  const bias = inputs[2] ? toNumbers(inputs[2]) : undefined;
  if (bias) for (let i = 0; i < out.length; i++) out[i] = out[i]! + bias[Math.floor(i / outSize) % filters]!;
  const dims = [batch, filters, ...outDims];
  if (x.type === 'float32' || x.type === 'float64') return makeTensor(x.type, dims, out as never);
  return fromNumbers(x.type, dims, out);
}

function centered(t: Tensor, zeroPoint: Tensor | undefined, perChannelAxis0: boolean): Float64Array {
  const values = Float64Array.from(toNumbers(t));
  if (!zeroPoint) return values;
  const zp = toNumbers(zeroPoint);
  const block = values.length / (t.dims[0] ?? 1);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! - (zp.length === 1 || !perChannelAxis0 ? zp[0]! : zp[Math.floor(i / block)]!);
  return values;
}

function convInteger(context: OpContext, inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor {
  const x = requireInput(context, inputs, 0);
  const w = requireInput(context, inputs, 1);
  expectType(context, x, ['int8', 'uint8']);
  const { values, dims } = convolve(context, attributes, centered(x, inputs[2], false), x.dims, centered(w, inputs[3], true), w.dims, undefined);
  return fromNumbers('int32', dims, values);
}

function qlinearConv(context: OpContext, inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor {
  const [x, xScale, xZero, w, wScale, wZero, yScale, yZero, bias] = inputs;
  if (!x || !xScale || !w || !wScale || !yScale) throw evaluateError(context, 'missing required inputs', { expected: 'x, x_scale, w, w_scale, y_scale' });
  const xv = centered(x, xZero, false);
  const xs = toNumbers(xScale)[0]!;
  for (let i = 0; i < xv.length; i++) xv[i] = xv[i]! * xs;
  const wv = centered(w, wZero, true);
  const ws = toNumbers(wScale);
  const block = wv.length / w.dims[0]!;
  for (let i = 0; i < wv.length; i++) wv[i] = wv[i]! * (ws.length === 1 ? ws[0]! : ws[Math.floor(i / block)]!);
  const filters = w.dims[0]!;
  const biasValues = bias ? Float64Array.from(toNumbers(bias), (b, m) => b * xs * (ws.length === 1 ? ws[0]! : ws[m % filters]!)) : undefined;
  const { values, dims } = convolve(context, attributes, xv, x.dims, wv, w.dims, biasValues);
  const ys = toNumbers(yScale)[0]!;
  const yz = yZero ? toNumbers(yZero)[0]! : 0;
  const outType = yZero?.type ?? x.type;
  const [low, high] = outType === 'int8' ? [-128, 127] : [0, 255];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! / ys;
    const r = Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v);
    values[i] = Math.min(high, Math.max(low, r + yz));
  }
  return fromNumbers(outType, dims, values);
}

export const ops: OpRegistration[] = [
  defineOp('Conv', 1, (inputs, attributes, context) => [conv(context, inputs, attributes)]),
  defineOp('ConvTranspose', 1, (inputs, attributes, context) => [convTranspose(context, inputs, attributes)]),
  defineOp('ConvInteger', 10, (inputs, attributes, context) => [convInteger(context, inputs, attributes)]),
  defineOp('QLinearConv', 10, (inputs, attributes, context) => [qlinearConv(context, inputs, attributes)]),
];
