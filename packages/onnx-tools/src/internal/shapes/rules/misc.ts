import type { Tensor } from '../../../tensor.js';
import { divDims, intAttribute, intsAttribute, mulDims, normalizeAxis, numbersOf, stringAttribute, tensorNumbers } from '../dims.js';
import { elementTypeFromOnnx } from '../element-types.js';
import { type Dim, type ShapeRule, type ValueInfo, shapeError } from '../types.js';
import { MAX_TRACKED_ELEMENTS } from '../values.js';

/** RNN, GRU, LSTM: gates per hidden unit are 1, 3 and 4. */
const GATES: Readonly<Record<string, number>> = { RNN: 1, GRU: 3, LSTM: 4 };

const recurrent: ShapeRule = (inputs, attributes, context) => {
  const x = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const layout = intAttribute(attributes, 'layout', 0);
  const directions = stringAttribute(attributes, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
  const gates = GATES[context.opType] ?? 1;
  const w = inputs[1]?.dims;
  const hidden = intAttribute(attributes, 'hidden_size') ?? (w?.[1] === undefined ? context.freshDim() : divDims(w[1], gates));
  const [sequence, batch] = x === undefined ? [context.freshDim(), context.freshDim()] : ((layout === 0 ? [x[0], x[1]] : [x[1], x[0]]) as [Dim, Dim]);
  const y = layout === 0 ? [sequence, directions, batch, hidden] : [batch, sequence, directions, hidden];
  const state = layout === 0 ? [directions, batch, hidden] : [batch, directions, hidden];
  return Array.from({ length: context.outputCount }, (_, i) => ({ type, dims: i === 0 ? y : [...state] }));
};

/** Resize (opset 10+) and Upsample: output extents from `sizes`, else from `scales`. */
const resize: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  if (dims === undefined) return [{ type, dims: undefined }];
  const rank = dims.length;
  let scales: number[] | undefined;
  let sizes: Dim[] | undefined;
  if (context.opType === 'Upsample' && context.opset < 9) scales = intsAttribute(attributes, 'scales');
  else if (context.opType === 'Upsample' || context.opset < 11) scales = numbersOf(context.valueInput(1));
  else {
    scales = context.hasInput(2) ? numbersOf(context.valueInput(2)) : undefined;
    sizes = context.hasInput(3) ? context.valueInput(3) : undefined;
    if (scales?.length === 0) scales = undefined;
    if (sizes?.length === 0) sizes = undefined;
  }
  const axes = (intsAttribute(attributes, 'axes') ?? dims.map((_, i) => i)).map((a) => normalizeAxis(a, rank, context));
  const out = [...dims];
  if (sizes !== undefined) {
    const policy = stringAttribute(attributes, 'keep_aspect_ratio_policy', 'stretch');
    const numeric = numbersOf(sizes);
    const inputExtents = numbersOf(axes.map((a) => dims[a] as Dim));
    if (policy !== 'stretch' && numeric !== undefined && inputExtents !== undefined) {
      const ratios = numeric.map((s, i) => s / (inputExtents[i] as number));
      const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a, i) => {
        out[a] = Math.round(scale * (inputExtents[i] as number));
      });
    } else {
      axes.forEach((a, i) => {
        out[a] = sizes[i] as Dim;
      });
    }
    return [{ type, dims: out }];
  }
  if (scales === undefined) return [{ type, dims: dims.map(() => context.freshDim()) }];
  if (scales.length !== axes.length) throw shapeError(context, 'scales length differs from the number of axes', { expected: `${axes.length}`, found: `${scales.length}` });
  axes.forEach((a, i) => {
    const d = dims[a] as Dim;
    const scale = scales[i] as number;
    if (typeof d === 'number') out[a] = Math.floor(Math.fround(Math.fround(d) * Math.fround(scale)));
    else out[a] = Number.isInteger(scale) ? mulDims(d, scale) : context.freshDim();
  });
  return [{ type, dims: out }];
};

/** The tensor a Constant node holds, from whichever `value*` attribute is set. */
export function constantNodeValue(attributes: Parameters<ShapeRule>[1]): Tensor | undefined {
  for (const [name, attribute] of attributes) {
    switch (name) {
      case 'value':
        return attribute.type === 'tensor' ? attribute.value : undefined;
      case 'value_float':
        return { type: 'float32', dims: [], data: new Float32Array([attribute.value as number]) };
      case 'value_floats':
        return { type: 'float32', dims: [(attribute.value as number[]).length], data: new Float32Array(attribute.value as number[]) };
      case 'value_int':
        return { type: 'int64', dims: [], data: new BigInt64Array([BigInt(attribute.value as number)]) };
      case 'value_ints': {
        const values = attribute.value as number[];
        return { type: 'int64', dims: [values.length], data: new BigInt64Array(values.map((v) => BigInt(v))) };
      }
      case 'value_string':
        return { type: 'string', dims: [], data: [attribute.value as string] };
      case 'value_strings':
        return { type: 'string', dims: [(attribute.value as string[]).length], data: attribute.value as string[] };
    }
  }
  return undefined;
}

/** Known values of a small numeric tensor, as dims; undefined for strings or large tensors. */
export function tensorValue(tensor: Tensor): Dim[] | undefined {
  if (tensor.type === 'string' || tensor.data.length > MAX_TRACKED_ELEMENTS) return undefined;
  if (tensor.type.startsWith('complex')) return undefined;
  if (tensor.type === 'float16' || tensor.type === 'bfloat16' || tensor.type.startsWith('float8')) return undefined;
  return tensorNumbers(tensor);
}

const constant: ShapeRule = (_inputs, attributes, context) => {
  const tensor = constantNodeValue(attributes);
  const sparse = attributes.get('sparse_value');
  if (tensor === undefined) {
    if (sparse !== undefined) return [{ type: undefined, dims: undefined }];
    throw shapeError(context, 'no value attribute', { expected: "one of 'value', 'value_float(s)', 'value_int(s)', 'value_string(s)'" });
  }
  const value = tensorValue(tensor);
  return [{ type: tensor.type, dims: [...tensor.dims], ...(value === undefined ? {} : { value }) }];
};

/** RandomNormal/RandomUniform: shape and dtype attributes. */
const random: ShapeRule = (_inputs, attributes) => [
  { type: elementTypeFromOnnx(intAttribute(attributes, 'dtype', 1)), dims: intsAttribute(attributes, 'shape') },
];

/** *Like ops: the input's shape, `dtype` attribute or the input's type. */
const like: ShapeRule = (inputs, attributes) => {
  const dtype = intAttribute(attributes, 'dtype');
  return [{ type: dtype === undefined ? inputs[0]?.type : elementTypeFromOnnx(dtype), dims: inputs[0]?.dims }];
};

const roiAlign: ShapeRule = (inputs, attributes): ValueInfo[] => {
  const x = inputs[0]?.dims;
  const rois = inputs[1]?.dims;
  return [
    {
      type: inputs[0]?.type,
      dims: [rois?.[0] ?? 'unk', x?.[1] ?? 'unk', intAttribute(attributes, 'output_height', 1), intAttribute(attributes, 'output_width', 1)],
    },
  ];
};

export const miscRules: Record<string, ShapeRule> = {
  RNN: recurrent,
  GRU: recurrent,
  LSTM: recurrent,
  Resize: resize,
  Upsample: resize,
  Constant: constant,
  RandomNormal: random,
  RandomUniform: random,
  RandomNormalLike: like,
  RandomUniformLike: like,
  EyeLike: like,
  Bernoulli: like,
  RoiAlign: (inputs, attributes, context) => {
    const [out] = roiAlign(inputs, attributes, context) as [ValueInfo];
    return [{ ...out, dims: out.dims?.map((d) => (d === 'unk' ? context.freshDim() : d)) }];
  },
};
