// AffineGrid: the sampling grid [N, H, W, 2] (or [N, D, H, W, 3]) that theta [N, 2, 3] (or
// [N, 3, 4]) maps the normalised output coordinates to, for GridSample.
import { intAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

/** The normalised coordinates of `extent` samples in [-1, 1]: pixel centres, or corners when aligned. */
function linspace(extent: number, alignCorners: boolean): number[] {
  if (alignCorners) return Array.from({ length: extent }, (_, i) => (extent === 1 ? -1 : -1 + (2 * i) / (extent - 1)));
  const step = 2 / extent;
  return Array.from({ length: extent }, (_, i) => -1 + step / 2 + i * step);
}

export const op = defineOp('AffineGrid', 20, (inputs, attributes, context) => {
  const theta = requireInput(context, inputs, 0);
  expectType(context, theta, FLOAT_TYPES);
  const size = readInts(requireInput(context, inputs, 1));
  const spatial = size.slice(2);
  const rank = spatial.length;
  if ((rank !== 2 && rank !== 3) || theta.dims.length !== 3 || theta.dims[1] !== rank || theta.dims[2] !== rank + 1 || theta.dims[0] !== size[0]) {
    throw evaluateError(context, 'theta and size do not describe a 2-D or 3-D affine grid', {
      expected: 'theta [N, 2, 3] with size [N, C, H, W], or theta [N, 3, 4] with size [N, C, D, H, W]',
      found: `theta [${theta.dims.join(', ')}], size [${size.join(', ')}]`,
    });
  }
  const alignCorners = intAttr(attributes, 'align_corners', 0) === 1;
  const axes = spatial.map((extent) => linspace(extent, alignCorners));
  const t = toNumbers(theta);
  const batch = size[0]!;
  const points = sizeOf(spatial);
  const out = new Float64Array(batch * points * rank);
  const homogeneous = new Array<number>(rank + 1).fill(1);
  for (let p = 0; p < points; p++) {
    // Homogeneous point (x, y[, z], 1): x runs along the last spatial axis.
    let rest = p;
    for (let a = rank - 1; a >= 0; a--) {
      homogeneous[rank - 1 - a] = axes[a]![rest % spatial[a]!]!;
      rest = Math.floor(rest / spatial[a]!);
    }
    for (let n = 0; n < batch; n++)
      for (let r = 0; r < rank; r++) {
        let sum = 0;
        for (let k = 0; k <= rank; k++) sum += t[(n * rank + r) * (rank + 1) + k]! * homogeneous[k]!;
        out[(n * points + p) * rank + r] = sum;
      }
  }
  return [fromNumbers(theta.type, [batch, ...spatial, rank], out)];
});
