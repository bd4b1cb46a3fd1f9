// DFT: the discrete Fourier transform (or its inverse) along one axis of real [..., 1] or complex
// [..., 2] input; dft_length cuts or zero-pads the signal, onesided keeps the first n/2 + 1 bins
// (with inverse: the input is those bins of a Hermitian spectrum and the output is real, irfft).
// The axis is an attribute (default 1) at opset 17 and an optional input (default -2) from 20.
import { intAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { asComplex, dftAlongAxis, inverseRealDft } from '../util/dft.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { normalizeAxis } from '../util/shape.js';

export const op = defineOp('DFT', 17, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, FLOAT_TYPES);
  const components = x.dims[x.dims.length - 1];
  if (x.dims.length < 2 || (components !== 1 && components !== 2)) {
    throw evaluateError(context, 'input must end in a real (1) or complex (2) axis', { found: `[${x.dims.join(', ')}]` });
  }
  const signal = asComplex(toNumbers(x), x.dims);
  const requestedAxis = context.opset >= 20 ? (inputs[2] ? readInts(inputs[2])[0]! : -2) : intAttr(attributes, 'axis', 1);
  // Negative axes count from the end of the input, complex axis included.
  const axis = normalizeAxis(context, requestedAxis < 0 ? requestedAxis + x.dims.length : requestedAxis, signal.dims.length);
  const inverse = intAttr(attributes, 'inverse', 0) === 1;
  const onesided = intAttr(attributes, 'onesided', 0) === 1;
  const given = inputs[1] && inputs[1].data.length > 0 ? readInts(inputs[1])[0]! : undefined;
  // An inverse onesided transform (irfft) produces a real signal, 2 * (bins - 1) long by default.
  const length = given ?? (inverse && onesided ? 2 * (signal.dims[axis]! - 1) : signal.dims[axis]!);
  if (length < 1) throw evaluateError(context, 'dft_length must be positive', { found: String(length) });
  if (inverse && onesided) {
    const real = inverseRealDft(signal.values, signal.dims, axis, length);
    return [fromNumbers(x.type, [...real.dims, 1], real.values)];
  }
  const result = dftAlongAxis(signal.values, signal.dims, axis, length, inverse, onesided);
  return [fromNumbers(x.type, [...result.dims, 2], result.values)];
});
