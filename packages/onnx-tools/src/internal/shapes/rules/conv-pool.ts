import type { Attributes } from '../../attribute.js';
import { addDims, canonical, ceilDivDims, divDims, intAttribute, intsAttribute, mulDims, stringAttribute, subDims } from '../dims.js';
import { type Dim, type ShapeContext, type ShapeRule, type ValueInfo, formatDims, shapeError } from '../types.js';

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** begin..., end... */
  pads: number[];
  autoPad: string;
}

function windowOf(attributes: Attributes, spatial: number, kernel: number[] | undefined, context: ShapeContext): Window {
  const k = intsAttribute(attributes, 'kernel_shape') ?? kernel;
  if (k === undefined || k.length !== spatial) {
    throw shapeError(context, 'kernel shape unknown or of the wrong rank', { expected: `${spatial} spatial dims`, found: k === undefined ? 'none' : `[${k}]` });
  }
  const ones = Array.from({ length: spatial }, () => 1);
  return {
    kernel: k,
    strides: intsAttribute(attributes, 'strides') ?? ones,
    dilations: intsAttribute(attributes, 'dilations') ?? ones,
    pads: intsAttribute(attributes, 'pads') ?? [...ones, ...ones].map(() => 0),
    autoPad: stringAttribute(attributes, 'auto_pad', 'NOTSET'),
  };
}

/** Output extent of one spatial axis of a convolution or pooling window. */
function windowOutput(size: Dim, w: Window, i: number, ceilMode: boolean): Dim {
  const stride = w.strides[i] as number;
  const effective = ((w.kernel[i] as number) - 1) * (w.dilations[i] as number) + 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return ceilDivDims(size, stride);
  const begin = w.autoPad === 'VALID' ? 0 : (w.pads[i] as number);
  const end = w.autoPad === 'VALID' ? 0 : (w.pads[i + w.kernel.length] as number);
  const span = canonical(subDims(addDims(size, begin + end), effective));
  if (typeof span === 'number' && span < 0) return 0;
  if (!ceilMode) return canonical(addDims(divDims(span, stride), 1));
  let out = canonical(addDims(ceilDivDims(span, stride), 1));
  // The last window must start inside the input or the left padding.
  if (typeof out === 'number' && typeof size === 'number' && (out - 1) * stride >= size + begin) out -= 1;
  return out;
}

function spatialOf(x: ValueInfo | undefined): Dim[] | undefined {
  return x?.dims === undefined ? undefined : x.dims.slice(2);
}

const conv: ShapeRule = (inputs, attributes, context) => {
  const x = inputs[0]?.dims;
  const w = inputs[1]?.dims;
  const type = inputs[0]?.type;
  if (x === undefined) return [{ type, dims: undefined }];
  if (x.length < 3) throw shapeError(context, 'input must have a batch, channel and spatial dims', { found: formatDims(x) });
  const kernel = w?.slice(2).every((d) => typeof d === 'number') ? (w.slice(2) as number[]) : undefined;
  const window = windowOf(attributes, x.length - 2, kernel, context);
  const group = intAttribute(attributes, 'group', 1);
  if (w !== undefined) {
    if (w.length !== x.length) throw shapeError(context, 'weight rank differs from input rank', { expected: `${x.length}`, found: formatDims(w) });
    const wc = w[1] as Dim;
    const xc = x[1] as Dim;
    if (typeof wc === 'number' && typeof xc === 'number' && wc * group !== xc) {
      throw shapeError(context, 'input channels differ from weight channels × group', { expected: `${wc * group}`, found: `${xc}` });
    }
  }
  const spatial = (spatialOf(inputs[0]) as Dim[]).map((d, i) => windowOutput(d, window, i, false));
  return [{ type, dims: [x[0] as Dim, w?.[0] ?? context.freshDim(), ...spatial] }];
};

const convTranspose: ShapeRule = (inputs, attributes, context) => {
  const x = inputs[0]?.dims;
  const w = inputs[1]?.dims;
  const type = inputs[0]?.type;
  if (x === undefined) return [{ type, dims: undefined }];
  const n = x.length - 2;
  const kernel = w?.slice(2).every((d) => typeof d === 'number') ? (w.slice(2) as number[]) : undefined;
  const window = windowOf(attributes, n, kernel, context);
  const group = intAttribute(attributes, 'group', 1);
  const channels = w?.[1] === undefined ? context.freshDim() : mulDims(w[1], group);
  const outputShape = intsAttribute(attributes, 'output_shape');
  if (outputShape !== undefined) return [{ type, dims: [x[0] as Dim, channels, ...outputShape.slice(-n)] }];
  const outputPadding = intsAttribute(attributes, 'output_padding') ?? Array.from({ length: n }, () => 0);
  const spatial = x.slice(2).map((d, i) => {
    const stride = window.strides[i] as number;
    if (window.autoPad === 'SAME_UPPER' || window.autoPad === 'SAME_LOWER') return mulDims(d, stride);
    const effective = ((window.kernel[i] as number) - 1) * (window.dilations[i] as number) + 1;
    const padTotal = window.autoPad === 'VALID' ? 0 : (window.pads[i] as number) + (window.pads[i + n] as number);
    return canonical(addDims(mulDims(subDims(d, 1), stride), (outputPadding[i] as number) + effective - padTotal));
  });
  return [{ type, dims: [x[0] as Dim, channels, ...spatial] }];
};

const pool: ShapeRule = (inputs, attributes, context) => {
  const x = inputs[0]?.dims;
  const type = inputs[0]?.type;
  if (x === undefined) return Array.from({ length: context.outputCount }, (_, i) => ({ type: i === 0 ? type : 'int64', dims: undefined }));
  if (x.length < 3) throw shapeError(context, 'input must have a batch, channel and spatial dims', { found: formatDims(x) });
  const window = windowOf(attributes, x.length - 2, undefined, context);
  const ceilMode = intAttribute(attributes, 'ceil_mode', 0) === 1;
  const dims = [x[0] as Dim, x[1] as Dim, ...x.slice(2).map((d, i) => windowOutput(d, window, i, ceilMode))];
  const out: ValueInfo[] = [{ type, dims }];
  if (context.outputCount > 1) out.push({ type: 'int64', dims: [...dims] });
  return out;
};

const globalPool: ShapeRule = (inputs) => {
  const x = inputs[0]?.dims;
  return [{ type: inputs[0]?.type, dims: x === undefined ? undefined : x.map((d, i) => (i < 2 ? d : 1)) }];
};

/** Y like X; in training mode (or before opset 9) the running/saved statistics are [C]. */
const batchNormalization: ShapeRule = (inputs, _attributes, context) => {
  const x = inputs[0];
  const channels = x?.dims?.[1];
  const out: ValueInfo[] = [{ type: x?.type, dims: x?.dims }];
  for (let i = 1; i < context.outputCount; i++) {
    out.push({ type: inputs[3]?.type ?? x?.type, dims: channels === undefined ? inputs[3]?.dims : [channels] });
  }
  return out;
};

/** Y like X; Mean and InvStdDev keep the leading dims and set the normalised ones to 1. */
const layerNormalization: ShapeRule = (inputs, attributes, context) => {
  const x = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const out: ValueInfo[] = [{ type, dims: x }];
  if (context.outputCount === 1) return out;
  const stashType = intAttribute(attributes, 'stash_type', 1) === 1 ? 'float32' : type;
  let statistics: Dim[] | undefined;
  if (x !== undefined) {
    const raw = intAttribute(attributes, 'axis', -1);
    const axis = raw < 0 ? raw + x.length : raw;
    statistics = x.map((d, i) => (i < axis ? d : 1));
  }
  for (let i = 1; i < context.outputCount; i++) out.push({ type: stashType, dims: statistics });
  return out;
};

export const convPoolRules: Record<string, ShapeRule> = {
  Conv: conv,
  ConvInteger: (inputs, attributes, context) => conv(inputs, attributes, context).map((o) => ({ ...o, type: 'int32' })),
  QLinearConv: (inputs, attributes, context) =>
    conv([inputs[0], inputs[3]] as ValueInfo[], attributes, context).map((o) => ({ ...o, type: inputs[7]?.type })),
  ConvTranspose: convTranspose,
  AveragePool: pool,
  MaxPool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  GroupNormalization: (inputs) => [{ type: inputs[0]?.type, dims: inputs[0]?.dims }],
  SimplifiedLayerNormalization: layerNormalization,
};
