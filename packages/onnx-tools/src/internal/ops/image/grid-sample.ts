// GridSample: sample X [N, C, d1..dk] at the normalised coordinates of grid [N, o1..ok, k]
// (last grid axis in reverse order: x first), with nearest / linear / cubic interpolation and
// zeros / border / reflection padding, as the ONNX reference (after PyTorch) computes them.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { roundHalfEven } from '../util/math.js';
import { stridesOf } from '../util/shape.js';

type Mode = 'nearest' | 'linear' | 'cubic';
type Padding = 'zeros' | 'border' | 'reflection';

/** Reflects x by the nearer border until it lies within [low, high]. */
function reflect(x: number, low: number, high: number): number {
  const range = high - low;
  if (x < low) {
    const dx = low - x;
    const n = Math.trunc(dx / range);
    const r = dx - n * range;
    return n % 2 === 0 ? low + r : high - r;
  }
  if (x > high) {
    const dx = x - high;
    const n = Math.trunc(dx / range);
    const r = dx - n * range;
    return n % 2 === 0 ? high - r : low + r;
  }
  return x;
}

function cubicCoefficients(t: number): number[] {
  const a = -0.75;
  const x = Math.abs(t);
  const far = (d: number) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  const near = (d: number) => ((a + 2) * d - (a + 3)) * d * d + 1;
  return [far(x + 1), near(x), near(1 - x), far(2 - x)];
}

/** The (index, weight) taps of one axis; index -1 reads zero. */
function axisTaps(mode: Mode, padding: Padding, x: number, extent: number, low: number, high: number): [number, number][] {
  const pixel = (i: number): number => {
    if (padding === 'zeros') return i >= 0 && i < extent ? i : -1;
    if (padding === 'border') return Math.min(Math.max(i, 0), extent - 1);
    return Math.trunc(reflect(i, low, high));
  };
  if (mode === 'nearest') return [[pixel(Math.trunc(x)), 1]];
  const x0 = Math.floor(x);
  const t = x - x0;
  if (mode === 'linear') return [[pixel(x0), 1 - t], [pixel(x0 + 1), t]];
  return cubicCoefficients(t).map((w, k) => [pixel(x0 - 1 + k), w]);
}

function gridSample(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const grid = requireInput(context, inputs, 1);
  expectType(context, x, FLOAT_TYPES);
  const legacy = { bilinear: 'linear', bicubic: 'cubic' } as Record<string, Mode>;
  const modeName = stringAttr(attributes, 'mode', context.opset < 20 ? 'bilinear' : 'linear');
  const mode = legacy[modeName] ?? (modeName as Mode);
  const padding = stringAttr(attributes, 'padding_mode', 'zeros') as Padding;
  if (!['nearest', 'linear', 'cubic'].includes(mode)) throw evaluateError(context, 'unknown mode', { expected: 'nearest, linear, cubic (bilinear, bicubic before opset 20)', found: modeName });
  if (!['zeros', 'border', 'reflection'].includes(padding)) throw evaluateError(context, 'unknown padding_mode', { expected: 'zeros, border, reflection', found: padding });
  const alignCorners = intAttr(attributes, 'align_corners', 0) === 1;
  const spatial = x.dims.slice(2);
  const rank = spatial.length;
  if (grid.dims.length !== rank + 2 || grid.dims[0] !== x.dims[0] || grid.dims[rank + 1] !== rank) {
    throw evaluateError(context, 'grid does not match X', { expected: `[${x.dims[0]}, out..., ${rank}] for X [${x.dims.join(', ')}]`, found: `[${grid.dims.join(', ')}]` });
  }
  const [batch, channels] = x.dims as [number, number];
  const outSpatial = grid.dims.slice(1, -1);
  const outSize = sizeOf(outSpatial);
  const inSize = sizeOf(spatial);
  const strides = stridesOf(spatial);
  const values = toNumbers(x);
  const coordinates = toNumbers(grid);
  const out = new Float64Array(batch * channels * outSize);
  const low = spatial.map(() => (alignCorners ? 0 : -0.5));
  const high = spatial.map((d) => (alignCorners ? d - 1 : d - 0.5));
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < outSize; o++) {
      // Per axis: denormalise, round for nearest, bring back inside the borders, then taps.
      const taps = spatial.map((extent, axis) => {
        const normalized = Math.fround(coordinates[(n * outSize + o) * rank + (rank - 1 - axis)]!);
        let c = Math.fround(alignCorners ? ((normalized + 1) / 2) * (extent - 1) : ((normalized + 1) * extent - 1) / 2);
        if (mode === 'nearest') c = roundHalfEven(c);
        if (c < low[axis]! || c > high[axis]!) {
          if (padding === 'border') c = Math.min(Math.max(c, 0), extent - 1);
          else if (padding === 'reflection') c = reflect(c, low[axis]!, high[axis]!);
        }
        return axisTaps(mode, padding, c, extent, low[axis]!, high[axis]!);
      });
      for (let ch = 0; ch < channels; ch++) {
        const base = (n * channels + ch) * inSize;
        let sum = 0;
        const visit = (axis: number, offset: number, weight: number): void => {
          if (axis === rank) {
            sum += weight * values[base + offset]!;
            return;
          }
          for (const [index, w] of taps[axis]!) if (index >= 0 && w !== 0) visit(axis + 1, offset + index * strides[axis]!, weight * w);
        };
        visit(0, 0, 1);
        out[(n * channels + ch) * outSize + o] = sum;
      }
    }
  return [fromNumbers(x.type, [batch, channels, ...outSpatial], out)];
}

export const op = defineOp('GridSample', 16, gridSample);
