// QuantizeLinear / DequantizeLinear (per-tensor, per-axis, blocked) and DynamicQuantizeLinear.
import type { Tensor, TensorType } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { intAttr, requireInput } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { fromNumbers, makeTensor, sizeOf, toNumbers, typeFromOnnx } from './util/dtype.js';
import { evaluateError } from './util/errors.js';
import { encodeFloat8 } from './util/float8.js';
import { normalizeAxis } from './util/shape.js';
import { roundHalfEven } from './unary-math.js';

type Inputs = readonly (Tensor | undefined)[];

const INTEGER_RANGE: Partial<Record<TensorType, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int4: [-8, 7], uint4: [0, 15],
  int32: [-2147483648, 2147483647],
};

/** For element i of x, the index of its scale / zero point (per-tensor, per-axis or blocked). */
function paramIndex(context: OpContext, x: Tensor, scale: Tensor, attributes: Attributes): (i: number) => number {
  if (scale.data.length === 1 && scale.dims.length <= 1) return () => 0;
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', 1), x.dims.length);
  const extent = x.dims[axis]!;
  const inner = sizeOf(x.dims.slice(axis + 1));
  const block = intAttr(attributes, 'block_size', 0);
  if (block > 0) {
    const scaleExtent = scale.dims[axis]!;
    return (i) => {
      const o = Math.floor(i / (extent * inner));
      const c = Math.floor(i / inner) % extent;
      return (o * scaleExtent + Math.floor(c / block)) * inner + (i % inner);
    };
  }
  if (scale.data.length !== extent) {
    throw evaluateError(context, 'scale does not match the quantization axis', { expected: `${extent} scales (axis ${axis})`, found: `[${scale.dims.join(',')}]` });
  }
  return (i) => Math.floor(i / inner) % extent;
}

function quantize(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const scaleTensor = requireInput(context, inputs, 1);
  const zeroTensor = inputs[2];
  const outputDtype = intAttr(attributes, 'output_dtype', 0);
  const outType: TensorType = zeroTensor?.type ?? (outputDtype ? typeFromOnnx(outputDtype) ?? 'uint8' : 'uint8');
  const values = toNumbers(x);
  const scale = toNumbers(scaleTensor);
  const zero = zeroTensor ? toNumbers(zeroTensor) : undefined;
  const index = paramIndex(context, x, scaleTensor, attributes);
  const out = new Float64Array(values.length);
  const range = INTEGER_RANGE[outType];
  for (let i = 0; i < values.length; i++) {
    const p = index(i);
    const scaled = values[i]! / scale[p]!;
    if (range) {
      const q = roundHalfEven(scaled) + (zero ? zero[p]! : 0);
      out[i] = Math.min(range[1], Math.max(range[0], q));
    } else out[i] = scaled + (zero ? zero[p]! : 0);
  }
  if (outType.startsWith('float8')) {
    return [makeTensor(outType, x.dims, encodeFloat8(out, outType, intAttr(attributes, 'saturate', 1) === 1) as never)];
  }
  return [fromNumbers(outType, x.dims, out)];
}

function dequantize(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const scaleTensor = requireInput(context, inputs, 1);
  const zeroTensor = inputs[2];
  const values = toNumbers(x);
  const scale = toNumbers(scaleTensor);
  const zero = zeroTensor ? toNumbers(zeroTensor) : undefined;
  const index = paramIndex(context, x, scaleTensor, attributes);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const p = index(i);
    out[i] = (values[i]! - (zero ? zero[p]! : 0)) * scale[p]!;
  }
  const outputDtype = intAttr(attributes, 'output_dtype', 0);
  const outType = outputDtype ? typeFromOnnx(outputDtype) ?? scaleTensor.type : scaleTensor.type;
  if (outType === 'float32') return [makeTensor('float32', x.dims, Float32Array.from(out))];
  return [fromNumbers(outType, x.dims, out)];
}

function dynamicQuantize(inputs: Inputs, _attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const values = toNumbers(x);
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! < min) min = values[i]!;
    if (values[i]! > max) max = values[i]!;
  }
  const scale = Math.fround((max - min) / 255);
  const zero = scale === 0 ? 0 : Math.min(255, Math.max(0, roundHalfEven(Math.fround(0 - Math.fround(min / scale)))));
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = scale === 0 ? zero : Math.min(255, Math.max(0, roundHalfEven(Math.fround(values[i]! / scale)) + zero));
  return [makeTensor('uint8', x.dims, out), makeTensor('float32', [], Float32Array.of(scale)), makeTensor('uint8', [], Uint8Array.of(zero))];
}

export const ops: OpRegistration[] = [
  defineOp('QuantizeLinear', 10, quantize),
  defineOp('DequantizeLinear', 10, dequantize),
  defineOp('DynamicQuantizeLinear', 11, dynamicQuantize),
];
