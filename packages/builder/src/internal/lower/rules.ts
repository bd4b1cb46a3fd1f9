import type { Node, Value } from '@kiln/onnx-tools';
import { activationOf } from '../activations.js';
import { constantNumbers, floatAttribute, intAttribute, intsAttribute, stringAttribute } from '../ir-helpers.js';
import { qualifiedOp } from '../pattern.js';
import { lowerConvTranspose } from './deconv.js';
import { lowerRecurrent } from './rnn.js';
import type { EpilogueStep, LoweredLayer } from './types.js';

/** Lower one node to native layers, or return undefined to leave it to the reference evaluator. */
export type LowerRule = (node: Node, sources: string[], opset: number) => LoweredLayer[] | undefined;

const BINARY: Record<string, string> = { Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div', Max: 'max', Min: 'min', Pow: 'pow' };
const UNARY: Record<string, string> = {
  Relu: 'Relu', Sigmoid: 'Sigmoid', Tanh: 'Tanh', Exp: 'Exp', Log: 'Log', Sqrt: 'Sqrt', Erf: 'Erf', Neg: 'Neg', Abs: 'Abs', Reciprocal: 'Reciprocal',
  HardSwish: 'HardSwish', Floor: 'Floor', Ceil: 'Ceil', Round: 'Round', Sign: 'Sign', Sin: 'Sin', Cos: 'Cos', Softplus: 'Softplus',
  Softsign: 'Softsign', Mish: 'Mish',
};
const COMPARE: Record<string, string> = { Equal: 'equal', Less: 'less', LessOrEqual: 'less_equal', Greater: 'greater', GreaterOrEqual: 'greater_equal' };
const LOGICAL: Record<string, string> = { And: 'and', Or: 'or', Xor: 'xor' };
/** Element types the comparison kernels take. */
const COMPARABLE = new Set(['float32', 'int32', 'int64', 'bool']);

const isFloat = (value: Value | undefined) => value?.dtype === 'float32';
const rankOf = (value: Value | undefined) => value?.shape?.length;

function layer(node: Node, sources: string[], type: string, family: string, rest: Partial<LoweredLayer> = {}): LoweredLayer[] {
  return [{
    name: node.name || `${node.op}_${node.outputs[0]?.name ?? ''}`,
    type,
    family,
    inputs: [...node.inputs],
    outputs: node.outputs.filter((value): value is Value => value !== undefined),
    sources,
    ...rest,
  }];
}

function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

const rules: Record<string, LowerRule> = {};

for (const [op, kernel] of Object.entries(BINARY)) {
  rules[op] = (node, sources) => {
    if (node.inputs.length !== 2 || !node.inputs.every(isFloat) || !isFloat(node.outputs[0])) return undefined;
    return layer(node, sources, 'ElementWise', `f32_vbinary_${kernel}`);
  };
}

for (const [op, kernel] of Object.entries(COMPARE)) {
  rules[op] = (node, sources) => {
    const [a, b] = node.inputs;
    if (node.inputs.length !== 2 || !a?.dtype || !COMPARABLE.has(a.dtype) || b?.dtype !== a.dtype || node.outputs[0]?.dtype !== 'bool') return undefined;
    return layer(node, sources, 'ElementWise', `x_compare_${kernel}`);
  };
}

const isBool = (value: Value | undefined) => value?.dtype === 'bool';
for (const [op, kernel] of Object.entries(LOGICAL)) {
  rules[op] = (node, sources) => (node.inputs.length === 2 && node.inputs.every(isBool) && isBool(node.outputs[0]) ? layer(node, sources, 'ElementWise', `x_logical_${kernel}`) : undefined);
}
rules.Not = (node, sources) => (isBool(node.inputs[0]) && isBool(node.outputs[0]) ? layer(node, sources, 'ElementWise', 'x_logical_not') : undefined);

rules.IsNaN = (node, sources) => (isFloat(node.inputs[0]) && isBool(node.outputs[0]) ? layer(node, sources, 'ElementWise', 'f32_isnan') : undefined);
rules.IsInf = (node, sources) => {
  if (!isFloat(node.inputs[0]) || !isBool(node.outputs[0])) return undefined;
  return layer(node, sources, 'ElementWise', 'f32_isinf', { params: [intAttribute(node, 'detect_negative', 1) ? 1 : 0, intAttribute(node, 'detect_positive', 1) ? 1 : 0] });
};

rules.Where = (node, sources) => {
  const [condition, x, y] = node.inputs;
  if (node.inputs.length !== 3 || !isBool(condition) || !x?.dtype || y?.dtype !== x.dtype || node.outputs[0]?.dtype !== x.dtype) return undefined;
  return layer(node, sources, 'Select', 'x_where');
};

/** Expand and Tile: the output shape says everything, so only the data travels (not the shape / repeats tensor). */
rules.Expand = (node, sources) => (rankOf(node.outputs[0]) === undefined ? undefined : layer(node, sources, 'Shuffle', 'x_expand', { inputs: [node.inputs[0]] }));
rules.Tile = (node, sources) => {
  const rank = rankOf(node.inputs[0]);
  if (rank === undefined || rank === 0 || rankOf(node.outputs[0]) !== rank) return undefined;
  return layer(node, sources, 'Shuffle', 'x_tile', { inputs: [node.inputs[0]] });
};

function unaryLayer(node: Node, sources: string[], step: EpilogueStep): LoweredLayer[] | undefined {
  if (!isFloat(node.inputs[0]) || !isFloat(node.outputs[0])) return undefined;
  return layer(node, sources, 'Activation', 'f32_vunary', { inputs: [node.inputs[0]], epilogue: [step] });
}

for (const [op, step] of Object.entries(UNARY)) rules[op] = (node, sources) => unaryLayer(node, sources, { op: step });
rules.LeakyRelu = (node, sources) => unaryLayer(node, sources, { op: 'LeakyRelu', alpha: floatAttribute(node, 'alpha', 0.01) });
rules.HardSigmoid = (node, sources) =>
  unaryLayer(node, sources, { op: 'HardSigmoid', alpha: floatAttribute(node, 'alpha', 0.2), beta: floatAttribute(node, 'beta', 0.5) });
rules.Clip = (node, sources) => {
  const activation = activationOf(node);
  if (!activation) return undefined;
  return unaryLayer(node, sources, { op: 'Clip', alpha: activation.params[0]!, beta: activation.params[1]! });
};
rules.Elu = (node, sources) => unaryLayer(node, sources, { op: 'Elu', alpha: floatAttribute(node, 'alpha', 1) });
rules.Selu = (node, sources) =>
  unaryLayer(node, sources, { op: 'Selu', alpha: floatAttribute(node, 'alpha', 1.6732632423543772), beta: floatAttribute(node, 'gamma', 1.0507009873554805) });
rules.ThresholdedRelu = (node, sources) => unaryLayer(node, sources, { op: 'ThresholdedRelu', alpha: floatAttribute(node, 'alpha', 1) });
rules['kiln.Gelu'] = (node, sources) => unaryLayer(node, sources, { op: stringAttribute(node, 'approximate', 'none') === 'tanh' ? 'GeluTanh' : 'Gelu' });

for (const op of ['Softmax', 'LogSoftmax']) {
  rules[op] = (node, sources, opset) => {
    const rank = rankOf(node.inputs[0]);
    if (!isFloat(node.inputs[0]) || rank === undefined) return undefined;
    const axis = normalizeAxis(intAttribute(node, 'axis', opset >= 13 ? -1 : 1), rank);
    // Before opset 13 the input is flattened to 2-D at `axis`: the same as the last axis only then.
    if (opset < 13 && axis !== rank - 1) return undefined;
    return layer(node, sources, 'Softmax', op === 'Softmax' ? 'f32_softmax' : 'f32_logsoftmax', { params: [axis] });
  };
}

/** fuse-softmax's node: inputs [x, bias?], along the last axis when there is a bias. */
rules['kiln.Softmax'] = (node, sources) => {
  const rank = rankOf(node.inputs[0]);
  if (!node.inputs.every(isFloat) || rank === undefined) return undefined;
  const log = intAttribute(node, 'log', 0) === 1;
  const params = [normalizeAxis(intAttribute(node, 'axis', -1), rank), intAttribute(node, 'nan_to_zero', 0)];
  return layer(node, sources, 'Softmax', log ? 'f32_logsoftmax' : 'f32_softmax', { params });
};

rules.LayerNormalization = (node, sources) => {
  // Also kiln.LayerNorm (fuse-layernorm): the same inputs and attributes.
  const rank = rankOf(node.inputs[0]);
  if (!isFloat(node.inputs[0]) || rank === undefined || node.outputs.slice(1).some((value) => value && value.consumers.length > 0)) return undefined;
  const axis = normalizeAxis(intAttribute(node, 'axis', -1), rank);
  return layer(node, sources, 'Normalization', 'f32_layernorm', {
    inputs: node.inputs.slice(0, 3),
    outputs: [node.outputs[0]!],
    params: [axis, floatAttribute(node, 'epsilon', 1e-5)],
  });
};

for (const [op, kernel] of [['MaxPool', 'f32_maxpool2d'], ['AveragePool', 'f32_avgpool2d']] as const) {
  rules[op] = (node, sources) => {
    const kernelShape = intsAttribute(node, 'kernel_shape');
    if (!isFloat(node.inputs[0]) || rankOf(node.inputs[0]) !== 4 || kernelShape?.length !== 2 || node.outputs[1] !== undefined) return undefined;
    if (stringAttribute(node, 'auto_pad', 'NOTSET') !== 'NOTSET' || intAttribute(node, 'storage_order', 0) !== 0) return undefined;
    const strides = intsAttribute(node, 'strides') ?? [1, 1];
    const pads = intsAttribute(node, 'pads') ?? [0, 0, 0, 0];
    const dilations = intsAttribute(node, 'dilations') ?? [1, 1];
    const include = op === 'AveragePool' ? intAttribute(node, 'count_include_pad', 0) : 0;
    return layer(node, sources, 'Pooling', kernel, {
      outputs: [node.outputs[0]!],
      params: [kernelShape[0]!, kernelShape[1]!, strides[0]!, strides[1]!, pads[0]!, pads[1]!, pads[2]!, pads[3]!, dilations[0]!, dilations[1]!, include],
    });
  };
}
for (const [op, kernel] of [['GlobalAveragePool', 'f32_globalavgpool'], ['GlobalMaxPool', 'f32_globalmaxpool']] as const) {
  rules[op] = (node, sources) => (isFloat(node.inputs[0]) && rankOf(node.inputs[0]) === 4 ? layer(node, sources, 'Pooling', kernel) : undefined);
}

for (const [op, kernel] of [['ReduceSum', 'f32_reduce_sum'], ['ReduceMean', 'f32_reduce_mean'], ['ReduceMax', 'f32_reduce_max']] as const) {
  rules[op] = (node, sources) => {
    const rank = rankOf(node.inputs[0]);
    if (!isFloat(node.inputs[0]) || rank === undefined) return undefined;
    let axes = intsAttribute(node, 'axes');
    if (node.inputs[1] !== undefined) {
      const values = constantNumbers(node.inputs[1]);
      if (!values) return undefined;
      axes = values;
    }
    if ((axes === undefined || axes.length === 0) && intAttribute(node, 'noop_with_empty_axes', 0) === 1) return undefined;
    const normalized = (axes ?? []).map((axis) => normalizeAxis(axis, rank));
    return layer(node, sources, 'Reduce', kernel, { inputs: [node.inputs[0]], params: normalized.length === 0 ? [...Array(rank).keys()] : normalized });
  };
}

rules.Transpose = (node, sources) => {
  const rank = rankOf(node.inputs[0]);
  if (rank === undefined) return undefined;
  const perm = intsAttribute(node, 'perm') ?? [...Array(rank).keys()].reverse();
  return layer(node, sources, 'Shuffle', 'x_transpose', { params: perm });
};

rules.Concat = (node, sources) => {
  const rank = rankOf(node.outputs[0]);
  if (rank === undefined || node.inputs.length > 64) return undefined;
  return layer(node, sources, 'Concatenation', 'x_concat', { params: [normalizeAxis(intAttribute(node, 'axis', 0), rank)] });
};

rules.Gather = (node, sources) => {
  const rank = rankOf(node.inputs[0]);
  const indexType = node.inputs[1]?.dtype;
  if (rank === undefined || (indexType !== 'int64' && indexType !== 'int32')) return undefined;
  return layer(node, sources, 'Gather', 'x_gather', { params: [normalizeAxis(intAttribute(node, 'axis', 0), rank)] });
};

rules['kiln.LayerNorm'] = rules.LayerNormalization;

/** Ops that only reinterpret the shape: a copy into the output buffer. */
for (const op of ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']) {
  rules[op] = (node, sources) => layer(node, sources, 'Shuffle', 'x_copy', { inputs: [node.inputs[0]], outputs: [node.outputs[0]!] });
}

rules.Cast = (node, sources) => layer(node, sources, 'Cast', 'x_cast');

/** MatMul of two activations (constant 2-D B became a FusedGemm earlier): batched, broadcasting. */
rules.MatMul = (node, sources) => {
  if (!node.inputs.every(isFloat) || !isFloat(node.outputs[0])) return undefined;
  return layer(node, sources, 'MatrixMultiply', 'f32_matmul');
};

/** fuse-matmul-scale's node: MatMul with alpha multiplying the fp32 sums. */
rules['kiln.MatMul'] = (node, sources) => {
  if (!node.inputs.every(isFloat) || !isFloat(node.outputs[0])) return undefined;
  return layer(node, sources, 'MatrixMultiply', 'f32_matmul', { params: [floatAttribute(node, 'alpha', 1)] });
};


rules.BatchNormalization = (node, sources) => {
  const rank = rankOf(node.inputs[0]);
  if (rank === undefined || rank < 2 || node.inputs.length !== 5 || !node.inputs.every(isFloat) || !isFloat(node.outputs[0])) return undefined;
  if (intAttribute(node, 'training_mode', 0) !== 0 || intAttribute(node, 'spatial', 1) !== 1 || node.attributes.has('is_test')) return undefined;
  return layer(node, sources, 'Normalization', 'f32_batchnorm', { outputs: [node.outputs[0]!], params: [floatAttribute(node, 'epsilon', 1e-5)] });
};

rules.InstanceNormalization = (node, sources) => {
  const rank = rankOf(node.inputs[0]);
  if (rank === undefined || rank < 2 || node.inputs.length !== 3 || !node.inputs.every(isFloat) || !isFloat(node.outputs[0])) return undefined;
  return layer(node, sources, 'Normalization', 'f32_instancenorm', { params: [floatAttribute(node, 'epsilon', 1e-5)] });
};

const PAD_MODES: Record<string, number> = { constant: 0, reflect: 1, edge: 2, wrap: 3 };
rules.Pad = (node, sources, opset) => {
  const rank = rankOf(node.inputs[0]);
  const mode = PAD_MODES[stringAttribute(node, 'mode', 'constant')];
  if (rank === undefined || rank === 0 || mode === undefined) return undefined;
  let pads = intsAttribute(node, 'pads');
  let value = floatAttribute(node, 'value', 0);
  let axes = [...Array(rank).keys()];
  if (opset >= 11) {
    pads = constantNumbers(node.inputs[1]);
    if (node.inputs[2] !== undefined) {
      const values = constantNumbers(node.inputs[2]);
      if (values?.length !== 1) return undefined;
      value = values[0]!;
    }
    if (node.inputs[3] !== undefined) {
      const given = constantNumbers(node.inputs[3]);
      if (!given) return undefined;
      axes = given.map((axis) => normalizeAxis(axis, rank));
    }
  }
  if (!pads || pads.length !== 2 * axes.length) return undefined;
  const begins = new Array<number>(rank).fill(0);
  const ends = new Array<number>(rank).fill(0);
  axes.forEach((axis, i) => {
    begins[axis] = pads[i]!;
    ends[axis] = pads[i + axes.length]!;
  });
  return layer(node, sources, 'Padding', 'x_pad', { inputs: [node.inputs[0]], params: [mode, value, ...begins, ...ends] });
};

rules.Split = (node, sources) => {
  const rank = rankOf(node.inputs[0]);
  if (rank === undefined || rank === 0 || node.outputs.some((value) => value === undefined)) return undefined;
  return layer(node, sources, 'Slice', 'x_split', { inputs: [node.inputs[0]], params: [normalizeAxis(intAttribute(node, 'axis', 0), rank)] });
};

const RESIZE_COORDINATES: Record<string, number> = { half_pixel: 0, pytorch_half_pixel: 1, align_corners: 2, asymmetric: 3, half_pixel_symmetric: 4 };
const NEAREST_MODES: Record<string, number> = { round_prefer_floor: 0, round_prefer_ceil: 1, floor: 2, ceil: 3 };
/** Resize (opset 11+), nearest or linear, scaling only the last two dims. */
rules.Resize = (node, sources, opset) => {
  const [x, , scalesInput, sizesInput] = node.inputs;
  const y = node.outputs[0];
  const rank = rankOf(x);
  const mode = { nearest: 0, linear: 1 }[stringAttribute(node, 'mode', 'nearest')];
  const coordinate = RESIZE_COORDINATES[stringAttribute(node, 'coordinate_transformation_mode', 'half_pixel')];
  const nearest = NEAREST_MODES[stringAttribute(node, 'nearest_mode', 'round_prefer_floor')];
  if (opset < 11 || !isFloat(x) || !isFloat(y) || rank === undefined || rank < 2 || rankOf(y) !== rank) return undefined;
  if (mode === undefined || coordinate === undefined || nearest === undefined) return undefined;
  if (intAttribute(node, 'exclude_outside', 0) !== 0 || (mode === 1 && intAttribute(node, 'antialias', 0) !== 0)) return undefined;
  const axes = (intsAttribute(node, 'axes') ?? [...Array(rank).keys()]).map((axis) => normalizeAxis(axis, rank));
  const scales = scalesInput ? constantNumbers(scalesInput) : undefined;
  const sizes = sizesInput ? constantNumbers(sizesInput) : undefined;
  const full = new Array<number>(rank).fill(1);
  if (scales && scales.length > 0) {
    if (scales.length !== axes.length) return undefined;
    axes.forEach((axis, i) => (full[axis] = scales[i]!));
  } else if (sizes && sizes.length === axes.length) {
    if (stringAttribute(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') return undefined;
    for (const [i, axis] of axes.entries()) {
      const inDim = x!.shape![axis];
      if (typeof inDim !== 'number') {
        if (sizes[i] !== undefined && axis < rank - 2 && y!.shape![axis] === inDim) continue;
        return undefined;
      }
      full[axis] = sizes[i]! / inDim;
    }
  } else {
    return undefined;
  }
  if (full.slice(0, rank - 2).some((scale) => scale !== 1)) return undefined;
  return layer(node, sources, 'Resize', 'f32_resize', { inputs: [x], params: [mode, coordinate, nearest, full[rank - 2]!, full[rank - 1]!] });
};


rules.ConvTranspose = (node, sources) => lowerConvTranspose(node, sources);
rules.LSTM = (node, sources) => lowerRecurrent(node, sources);
rules.GRU = (node, sources) => lowerRecurrent(node, sources);

/** The lowering rule for a node, if Kiln has native kernels for it. */
export function findRule(node: Node): LowerRule | undefined {
  return rules[qualifiedOp(node)];
}
