// Upsample (deprecated): nearest or linear resampling by scales, asymmetric coordinates.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatsAttr, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { toNumbers } from '../util/dtype.js';
import { type ResizeOptions, resize } from '../util/resize.js';

function upsample(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const scales = inputs[1] ? Array.from(toNumbers(inputs[1])) : floatsAttr(attributes, 'scales') ?? [];
  const options: ResizeOptions = {
    mode: stringAttr(attributes, 'mode', 'nearest'), transform: 'asymmetric', nearestMode: 'floor',
    cubicA: -0.75, excludeOutside: false, extrapolation: 0, antialias: false,
  };
  const outDims = x.dims.map((d, i) => Math.floor(d * scales[i]!));
  return [resize(x, options, scales, outDims, [])];
}

export const op = defineOp('Upsample', 7, upsample);
