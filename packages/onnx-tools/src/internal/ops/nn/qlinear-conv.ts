// QLinearConv: dequantize x and w (per-channel w scales), convolve, requantize to y's type.
import { centeredByChannel, convolve } from '../util/convolve.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { roundHalfEven } from '../util/math.js';

export const op = defineOp('QLinearConv', 10, (inputs, attributes, context) => {
  const [x, xScale, xZero, w, wScale, wZero, yScale, yZero, bias] = inputs;
  if (!x || !xScale || !w || !wScale || !yScale) throw evaluateError(context, 'missing required inputs', { expected: 'x, x_scale, w, w_scale, y_scale' });
  const xv = centeredByChannel(x, xZero, false);
  const xs = toNumbers(xScale)[0]!;
  for (let i = 0; i < xv.length; i++) xv[i] = xv[i]! * xs;
  const wv = centeredByChannel(w, wZero, true);
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
  for (let i = 0; i < values.length; i++) values[i] = Math.min(high, Math.max(low, roundHalfEven(values[i]! / ys) + yz));
  return [fromNumbers(outType, dims, values)];
});
