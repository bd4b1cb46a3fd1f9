// Clip: clamp x to [min, max]; bounds are attributes before opset 11 and optional inputs after.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, requireInput, scalarInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { NUMERIC_TYPES } from '../util/dtype.js';
import { mapUnary } from '../util/elementwise.js';

function clip(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const low = context.opset >= 11 ? scalarInput(inputs, 1, -Infinity) : floatAttr(attributes, 'min', -Infinity);
  const high = context.opset >= 11 ? scalarInput(inputs, 2, Infinity) : floatAttr(attributes, 'max', Infinity);
  const bigLow = inputs[1] && typeof inputs[1].data[0] === 'bigint' ? (inputs[1].data[0] as bigint) : undefined;
  const bigHigh = inputs[2] && typeof inputs[2].data[0] === 'bigint' ? (inputs[2].data[0] as bigint) : undefined;
  return [
    mapUnary(context, x, NUMERIC_TYPES, (v) => (Number.isNaN(v) ? v : Math.min(high, Math.max(low, v))), (v) => {
      if (bigLow !== undefined && v < bigLow) v = bigLow;
      if (bigHigh !== undefined && v > bigHigh) v = bigHigh;
      return v;
    }),
  ];
}

export const op = defineOp('Clip', 6, clip);
