// Resize (opset 10+): nearest/linear/cubic, every coordinate transformation and nearest mode, antialias, axes, keep_aspect_ratio_policy.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intAttr, intsAttr, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { type ResizeOptions, resize } from '../util/resize.js';
import { normalizeAxis } from '../util/shape.js';

function resizeOp(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const rank = x.dims.length;
  const legacy = context.opset < 11;
  const options: ResizeOptions = {
    mode: stringAttr(attributes, 'mode', 'nearest'),
    transform: legacy ? 'asymmetric' : stringAttr(attributes, 'coordinate_transformation_mode', 'half_pixel'),
    nearestMode: legacy ? 'floor' : stringAttr(attributes, 'nearest_mode', 'round_prefer_floor'),
    cubicA: floatAttr(attributes, 'cubic_coeff_a', -0.75),
    excludeOutside: intAttr(attributes, 'exclude_outside', 0) === 1,
    extrapolation: floatAttr(attributes, 'extrapolation_value', 0),
    antialias: intAttr(attributes, 'antialias', 0) === 1,
  };
  const scalesInput = legacy ? inputs[1] : inputs[2];
  const sizesInput = legacy ? undefined : inputs[3];
  const axes = (intsAttr(attributes, 'axes') ?? [...Array(rank).keys()]).map((a) => normalizeAxis(context, a, rank));
  const roiValues = !legacy && inputs[1] && inputs[1].data.length > 0 ? Array.from(toNumbers(inputs[1])) : [];
  const roi: number[] = [...new Array<number>(rank).fill(0), ...new Array<number>(rank).fill(1)];
  if (roiValues.length === 2 * axes.length) axes.forEach((a, i) => {
    roi[a] = roiValues[i]!;
    roi[a + rank] = roiValues[i + axes.length]!;
  });
  const scales = new Array<number>(rank).fill(1);
  const outDims = [...x.dims];
  const lengths = [...x.dims];
  if (sizesInput && sizesInput.data.length > 0) {
    const sizes = Array.from(toNumbers(sizesInput));
    const policy = stringAttr(attributes, 'keep_aspect_ratio_policy', 'stretch');
    if (policy === 'stretch') axes.forEach((a, i) => {
      outDims[a] = sizes[i]!;
      scales[a] = sizes[i]! / x.dims[a]!;
    });
    else {
      const ratios = axes.map((a, i) => sizes[i]! / x.dims[a]!);
      const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => {
        scales[a] = scale;
        outDims[a] = Math.round(x.dims[a]! * scale);
      });
    }
  } else if (scalesInput && scalesInput.data.length > 0) {
    const given = Array.from(toNumbers(scalesInput));
    axes.forEach((a, i) => {
      scales[a] = given[i]!;
      outDims[a] = Math.floor(x.dims[a]! * given[i]!);
      lengths[a] = x.dims[a]! * given[i]!;
    });
  } else throw evaluateError(context, 'one of scales or sizes is required');
  axes.forEach((a) => {
    if (lengths[a] === x.dims[a] && scales[a] !== 1) lengths[a] = outDims[a]!;
  });
  return [resize(context, x, options, scales, outDims, roi, lengths)];
}

export const op = defineOp('Resize', 10, resizeOp);
