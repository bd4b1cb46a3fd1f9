// Which scale / zero point applies to each element (per tensor, per axis or blocked), and integer ranges.
import type { Tensor, TensorType } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr } from './attributes.js';
import { sizeOf } from './dtype.js';
import { evaluateError } from './errors.js';
import { normalizeAxis } from './shape.js';

/** The representable range of each integer quantized type. */
export const INTEGER_RANGE: Partial<Record<TensorType, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int4: [-8, 7], uint4: [0, 15], int2: [-2, 1], uint2: [0, 3],
  int32: [-2147483648, 2147483647],
};

/** For element i of x, the index of its scale / zero point (per-tensor, per-axis or blocked). */
export function paramIndex(context: OpContext, x: Tensor, scale: Tensor, attributes: Attributes): (i: number) => number {
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

