// DequantizeLinear: (x - zero_point) * scale.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, makeTensor, toNumbers, typeFromOnnx } from '../util/dtype.js';
import { paramIndex } from '../util/quantize.js';

type Inputs = readonly (Tensor | undefined)[];

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

export const op = defineOp('DequantizeLinear', 10, dequantize);
