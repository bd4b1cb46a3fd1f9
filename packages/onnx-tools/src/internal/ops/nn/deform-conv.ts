// DeformConv: a 2-D convolution whose kernel taps are shifted by learned per-position offsets
// (bilinear sampling, zero outside the image) and optionally scaled by a mask.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, intsAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

/** Bilinear sample of one plane at (y, x); zero beyond the border. */
function sample(values: ArrayLike<number>, plane: number, height: number, width: number, y: number, x: number): number {
  if (y <= -1 || y >= height || x <= -1 || x >= width) return 0;
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const ly = y - y0;
  const lx = x - x0;
  const at = (yy: number, xx: number) => (yy >= 0 && yy < height && xx >= 0 && xx < width ? values[plane + yy * width + xx]! : 0);
  return (1 - ly) * (1 - lx) * at(y0, x0) + (1 - ly) * lx * at(y0, x0 + 1) + ly * (1 - lx) * at(y0 + 1, x0) + ly * lx * at(y0 + 1, x0 + 1);
}

function deformConv(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const w = requireInput(context, inputs, 1);
  const offset = requireInput(context, inputs, 2);
  expectType(context, x, FLOAT_TYPES);
  if (x.dims.length !== 4 || w.dims.length !== 4) throw evaluateError(context, 'only 2-D DeformConv is supported', { expected: 'X [N, C, H, W], W [M, C/group, kH, kW]', found: `X [${x.dims.join(', ')}], W [${w.dims.join(', ')}]` });
  const [batch, channels, height, width] = x.dims as [number, number, number, number];
  const [filters, groupChannels, kH, kW] = w.dims as [number, number, number, number];
  const group = intAttr(attributes, 'group', 1);
  const offsetGroup = intAttr(attributes, 'offset_group', 1);
  const [sH, sW] = intsAttr(attributes, 'strides') ?? [1, 1];
  const [dH, dW] = intsAttr(attributes, 'dilations') ?? [1, 1];
  const [pT, pL, pB, pR] = intsAttr(attributes, 'pads') ?? [0, 0, 0, 0];
  const outH = Math.floor((height + pT! + pB! - dH! * (kH - 1) - 1) / sH!) + 1;
  const outW = Math.floor((width + pL! + pR! - dW! * (kW - 1) - 1) / sW!) + 1;
  const taps = kH * kW;
  if (channels !== groupChannels * group || offset.dims[1] !== offsetGroup * 2 * taps) {
    throw evaluateError(context, 'channels, group and offset_group do not fit', { found: `C ${channels}, W [${w.dims.join(', ')}], group ${group}, offset [${offset.dims.join(', ')}], offset_group ${offsetGroup}` });
  }
  const xv = toNumbers(x);
  const wv = toNumbers(w);
  const ov = toNumbers(offset);
  const mask = inputs[4] ? toNumbers(inputs[4]) : undefined;
  const bias = inputs[3] ? toNumbers(inputs[3]) : undefined;
  const out = new Float64Array(batch * filters * outH * outW);
  const channelsPerOffsetGroup = channels / offsetGroup;
  const filtersPerGroup = filters / group;
  // Sampled input columns for one image: [C, taps, outH * outW].
  const columns = new Float64Array(channels * taps * outH * outW);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const og = Math.floor(c / channelsPerOffsetGroup);
      for (let k = 0; k < taps; k++) {
        const [i, j] = [Math.floor(k / kW), k % kW];
        for (let oh = 0; oh < outH; oh++)
          for (let ow = 0; ow < outW; ow++) {
            const position = oh * outW + ow;
            const offsetBase = (n * offsetGroup * 2 * taps + og * 2 * taps + 2 * k) * outH * outW + position;
            const y = oh * sH! - pT! + i * dH! + ov[offsetBase]!;
            const xx = ow * sW! - pL! + j * dW! + ov[offsetBase + outH * outW]!;
            const m = mask ? mask[((n * offsetGroup + og) * taps + k) * outH * outW + position]! : 1;
            columns[(c * taps + k) * outH * outW + position] = m * sample(xv, (n * channels + c) * height * width, height, width, y, xx);
          }
      }
    }
    for (let f = 0; f < filters; f++) {
      const g = Math.floor(f / filtersPerGroup);
      for (let p = 0; p < outH * outW; p++) {
        let sum = bias ? bias[f]! : 0;
        for (let c = 0; c < groupChannels; c++)
          for (let k = 0; k < taps; k++) sum += wv[(f * groupChannels + c) * taps + k]! * columns[((g * groupChannels + c) * taps + k) * outH * outW + p]!;
        out[(n * filters + f) * outH * outW + p] = sum;
      }
    }
  }
  return [fromNumbers(x.type, [batch, filters, outH, outW], out)];
}

export const op = defineOp('DeformConv', 19, deformConv);
