// The generalised cosine windows (Hann, Hamming, Blackman) of opset 17.
import type { TensorType } from '../../../tensor.js';
import type { OpRegistration } from '../contract.js';
import { intAttr, readInts, requireInput } from './attributes.js';
import { defineOp } from './define.js';
import { fromNumbers, typeFromOnnx } from './dtype.js';
import { evaluateError } from './errors.js';

/**
 * Registers a window w[n] = sum_k a_k * cos(2 * pi * k * n / N) of `size` samples, where N is
 * size (periodic, the default) or size - 1 (symmetric); output_datatype picks the element type.
 */
export function cosineWindowOp(opType: string, coefficients: readonly number[]): OpRegistration {
  return defineOp(opType, 17, (inputs, attributes, context) => {
    const size = readInts(requireInput(context, inputs, 0))[0]!;
    const type: TensorType | undefined = typeFromOnnx(intAttr(attributes, 'output_datatype', 1));
    if (!type || size < 0) throw evaluateError(context, 'needs a non-negative size and a numeric output_datatype', { found: `size ${size}, output_datatype ${intAttr(attributes, 'output_datatype', 1)}` });
    const periodic = intAttr(attributes, 'periodic', 1) === 1;
    const denominator = periodic ? size : size - 1;
    const values = Float64Array.from({ length: size }, (_, n) =>
      coefficients.reduce((sum, a, k) => sum + a * Math.cos((2 * Math.PI * k * n) / denominator), 0),
    );
    return [fromNumbers(type, [size], values)];
  });
}
