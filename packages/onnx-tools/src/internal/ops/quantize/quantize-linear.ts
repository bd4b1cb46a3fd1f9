// QuantizeLinear: saturate(round(x / scale) + zero_point) to an integer type, or x / scale + zero_point to float8.
import type { Tensor, TensorType } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, makeTensor, toNumbers, typeFromOnnx } from '../util/dtype.js';
import { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat } from '../util/float16.js';
import { encodeFloat8 } from '../util/float8.js';
import { roundHalfEven } from '../util/math.js';
import { INTEGER_RANGE, paramIndex } from '../util/quantize.js';

type Inputs = readonly (Tensor | undefined)[];

/** Rounds a number to the precision of a float element type (float64 and others unchanged). */
function precisionOf(type: TensorType): (v: number) => number {
  if (type === 'float32') return Math.fround;
  if (type === 'float16') return (v) => halfToFloat(floatToHalf(v));
  if (type === 'bfloat16') return (v) => bfloat16ToFloat(floatToBfloat16(v));
  return (v) => v;
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
  const inPrecision = precisionOf(x.type);
  const out = new Float64Array(values.length);
  const range = INTEGER_RANGE[outType];
  for (let i = 0; i < values.length; i++) {
    const p = index(i);
    // x / scale is computed in the inputs' precision before rounding, as the reference does.
    const scaled = inPrecision(values[i]! / scale[p]!);
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

export const op = defineOp('QuantizeLinear', 10, quantize);
