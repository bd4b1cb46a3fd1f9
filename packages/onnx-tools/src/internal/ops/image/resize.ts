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

const CHOICES: Readonly<Record<string, readonly string[]>> = {
  mode: ['nearest', 'linear', 'cubic'],
  coordinate_transformation_mode: ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'],
  nearest_mode: ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'],
  keep_aspect_ratio_policy: ['stretch', 'not_larger', 'not_smaller'],
};

/** Throws ERR_EVALUATE naming the attribute when a string attribute has a value Resize does not define. */
function checkChoices(context: OpContext, attributes: Attributes): void {
  for (const [name, allowed] of Object.entries(CHOICES)) {
    const value = stringAttr(attributes, name);
    if (value !== undefined && !allowed.includes(value)) {
      throw evaluateError(context, `unknown ${name}`, { expected: allowed.join(', '), found: value });
    }
  }
}

function resizeOp(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const rank = x.dims.length;
  const legacy = context.opset < 11;
  checkChoices(context, attributes);
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
    if (sizes.length !== axes.length || sizes.some((v) => !(v >= 0))) {
      throw evaluateError(context, 'sizes must give one non-negative extent per resized axis', { expected: `${axes.length} values`, found: `[${sizes.join(', ')}]` });
    }
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
    if (given.length !== axes.length || given.some((v) => !(v > 0))) {
      throw evaluateError(context, 'scales must give one positive factor per resized axis', { expected: `${axes.length} values`, found: `[${given.join(', ')}]` });
    }
    axes.forEach((a, i) => {
      scales[a] = given[i]!;
      outDims[a] = Math.floor(x.dims[a]! * given[i]!);
      lengths[a] = x.dims[a]! * given[i]!;
    });
  } else throw evaluateError(context, 'one of scales or sizes is required');
  axes.forEach((a) => {
    if (lengths[a] === x.dims[a] && scales[a] !== 1) lengths[a] = outDims[a]!;
  });
  return [resize(x, options, scales, outDims, roi, lengths)];
}

export const op = defineOp('Resize', 10, resizeOp);
