// ConvTranspose: the gradient of Conv (GEMM + col2im), with output_padding, output_shape and auto_pad.
import type { Tensor, TensorType } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intsAttr, requireInput, stringAttr } from '../util/attributes.js';
import { type Geometry, groupAttr } from '../util/conv-geometry.js';
import { product } from '../util/convolve.js';
import { defineOp } from '../util/define.js';
import { expectType, fromNumbers, makeTensor, toNumbers } from '../util/dtype.js';
import { gemmAccumulate, transposeMatrix } from '../util/gemm.js';
import { col2im } from '../util/im2col.js';
import { asFloatArray } from '../util/matmul.js';

const FLOAT_CONV_TYPES: readonly TensorType[] = ['float32', 'float64', 'float16', 'bfloat16'];

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

export const op = defineOp('ConvTranspose', 1, (inputs, attributes, context) => [convTranspose(context, inputs, attributes)]);
