// QLinearMatMul: dequantize A and B, multiply, requantize with y_scale / y_zero_point.
import { defineOp } from '../util/define.js';
import { fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { roundHalfEven } from '../util/math.js';
import { centeredMatrix, matmulValues } from '../util/matmul.js';

export const op = defineOp('QLinearMatMul', 10, (inputs, _attributes, context) => {
  const [a, aScale, aZero, b, bScale, bZero, yScale, yZero] = inputs;
  if (!a || !aScale || !b || !bScale || !yScale) throw evaluateError(context, 'missing required inputs', { expected: 'a, a_scale, b, b_scale, y_scale' });
  const av = centeredMatrix(a, aZero, 2);
  const as = toNumbers(aScale);
  for (let i = 0; i < av.length; i++) av[i] = av[i]! * (as.length === 1 ? as[0]! : as[Math.floor(i / a.dims[a.dims.length - 1]!) % as.length]!);
  const bv = centeredMatrix(b, bZero, 1);
  const bs = toNumbers(bScale);
  for (let i = 0; i < bv.length; i++) bv[i] = bv[i]! * (bs.length === 1 ? bs[0]! : bs[i % b.dims[b.dims.length - 1]! % bs.length]!);
  const { values, dims } = matmulValues(context, av, a.dims, bv, b.dims);
  const ys = toNumbers(yScale)[0]!;
  const yz = yZero ? toNumbers(yZero)[0]! : 0;
  const outType = yZero?.type ?? a.type;
  const [low, high] = outType === 'int8' ? [-128, 127] : [0, 255];
  for (let i = 0; i < values.length; i++) values[i] = Math.min(high, Math.max(low, roundHalfEven(values[i]! / ys) + yz));
  return [fromNumbers(outType, dims, values)];
});
