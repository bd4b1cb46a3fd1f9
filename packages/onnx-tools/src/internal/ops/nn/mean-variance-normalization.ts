// MeanVarianceNormalization: (x - mean) / std over the given axes (default N, H, W).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intsAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { broadcastIndex, normalizeAxis } from '../util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function meanVarianceNorm(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axes = (intsAttr(attributes, 'axes') ?? [0, 2, 3]).map((a) => normalizeAxis(context, a, x.dims.length));
  const statDims = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const map = broadcastIndex(x.dims, statDims)!;
  const values = toNumbers(x);
  const count = sizeOf(x.dims) / sizeOf(statDims);
  const mean = new Float64Array(sizeOf(statDims));
  const meanSquare = new Float64Array(sizeOf(statDims));
  for (let i = 0; i < values.length; i++) {
    mean[map ? map[i]! : i] = mean[map ? map[i]! : i]! + values[i]! / count;
    meanSquare[map ? map[i]! : i] = meanSquare[map ? map[i]! : i]! + values[i]! ** 2 / count;
  }
  const out = Float64Array.from(values, (v, i) => {
    const s = map ? map[i]! : i;
    return (v - mean[s]!) / (Math.sqrt(meanSquare[s]! - mean[s]! ** 2) + 1e-9);
  });
  return [fromNumbers(x.type, x.dims, out)];
}

export const op = defineOp('MeanVarianceNormalization', 9, meanVarianceNorm);
