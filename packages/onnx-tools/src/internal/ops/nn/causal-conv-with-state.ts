// CausalConvWithState (opset 27): a depthwise causal 1-D convolution that carries state between
// calls. The input [B, C, T] is prefixed with past_state [B, C, K-1] (zeros when absent), each
// channel is convolved with its own kernel weight [C, 1, K] (plus bias), the optional activation
// ('silu' / 'swish') is applied, and present_state is the last K-1 steps of the prefixed input.
import { requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

export const op = defineOp('CausalConvWithState', 27, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const w = requireInput(context, inputs, 1);
  expectType(context, x, FLOAT_TYPES);
  const [batch, channels, steps] = x.dims as [number, number, number];
  const kernel = w.dims[2]!;
  const past = inputs[3];
  if (x.dims.length !== 3 || w.dims.length !== 3 || w.dims[0] !== channels || w.dims[1] !== 1) {
    throw evaluateError(context, 'needs input [B, C, T] and a depthwise weight [C, 1, K]', { found: `input [${x.dims.join(', ')}], weight [${w.dims.join(', ')}]` });
  }
  if (past && (past.dims[0] !== batch || past.dims[1] !== channels || past.dims[2] !== kernel - 1)) {
    throw evaluateError(context, 'past_state does not match', { expected: `[${batch}, ${channels}, ${kernel - 1}]`, found: `[${past.dims.join(', ')}]` });
  }
  const activation = stringAttr(attributes, 'activation', 'none').toLowerCase();
  if (!['none', 'silu', 'swish'].includes(activation)) throw evaluateError(context, 'unknown activation', { expected: 'none, silu, swish', found: activation });
  const values = toNumbers(x);
  const weights = toNumbers(w);
  const bias = inputs[2] ? toNumbers(inputs[2]) : undefined;
  const state = past ? toNumbers(past) : undefined;
  const padded = steps + kernel - 1;
  const out = new Float64Array(batch * channels * steps);
  const present = new Float64Array(batch * channels * (kernel - 1));
  const row = new Float64Array(padded);
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < channels; c++) {
      const line = b * channels + c;
      for (let t = 0; t < kernel - 1; t++) row[t] = state ? state[line * (kernel - 1) + t]! : 0;
      for (let t = 0; t < steps; t++) row[kernel - 1 + t] = values[line * steps + t]!;
      for (let t = 0; t < steps; t++) {
        let sum = bias ? bias[c]! : 0;
        for (let k = 0; k < kernel; k++) sum += weights[c * kernel + k]! * row[t + k]!;
        out[line * steps + t] = activation === 'none' ? sum : sum / (1 + Math.exp(-sum));
      }
      for (let t = 0; t < kernel - 1; t++) present[line * (kernel - 1) + t] = row[padded - (kernel - 1) + t]!;
    }
  return [fromNumbers(x.type, x.dims, out), fromNumbers(x.type, [batch, channels, kernel - 1], present)];
});
