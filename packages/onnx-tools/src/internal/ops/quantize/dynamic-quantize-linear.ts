// DynamicQuantizeLinear: uint8 quantization with scale and zero point computed from the data range (including 0).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor, toNumbers } from '../util/dtype.js';
import { roundHalfEven } from '../util/math.js';

type Inputs = readonly (Tensor | undefined)[];

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

export const op = defineOp('DynamicQuantizeLinear', 11, dynamicQuantize);
