// LayerNormalization and RMSNormalization: normalise over the axes from `axis` on, then scale (and bias).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intAttr, requireInput } from './attributes.js';
import { expectType, FLOAT_TYPES, fromNumbers, sizeOf, toNumbers } from './dtype.js';
import { normalizeRows } from './normalize-rows.js';
import { broadcastIndex, normalizeAxis } from './shape.js';

type Inputs = readonly (Tensor | undefined)[];

/** The op function; `rms` skips mean subtraction and bias. */
export function layerNorm(rms: boolean) {
  return (inputs: Inputs, attributes: Attributes, context: OpContext): (Tensor | undefined)[] => {
    const x = requireInput(context, inputs, 0);
    expectType(context, x, FLOAT_TYPES);
    const axis = normalizeAxis(context, intAttr(attributes, 'axis', -1), x.dims.length);
    const epsilon = floatAttr(attributes, 'epsilon', 1e-5);
    const outer = sizeOf(x.dims.slice(0, axis));
    const inner = sizeOf(x.dims.slice(axis));
    const out = new Float64Array(outer * inner);
    const { mean, invStd } = normalizeRows(toNumbers(x), outer, inner, epsilon, rms, out);
    const scale = requireInput(context, inputs, 1);
    const scaleMap = broadcastIndex(x.dims, scale.dims);
    const sv = toNumbers(scale);
    const bias = rms ? undefined : inputs[2];
    const bv = bias ? toNumbers(bias) : undefined;
    const biasMap = bias ? broadcastIndex(x.dims, bias.dims) : undefined;
    for (let i = 0; i < out.length; i++) {
      out[i] = out[i]! * sv[scaleMap ? scaleMap[i]! : i]! + (bv ? bv[biasMap ? biasMap[i]! : i]! : 0);
    }
    const statDims = x.dims.map((d, i) => (i < axis ? d : 1));
    const stashType = x.type === 'float64' ? 'float64' : 'float32';
    return [fromNumbers(x.type, x.dims, out), fromNumbers(stashType, statDims, mean), fromNumbers(stashType, statDims, invStd)];
  };
}

