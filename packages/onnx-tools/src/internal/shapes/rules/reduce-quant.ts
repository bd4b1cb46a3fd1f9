import { intAttribute, intsAttribute, normalizeAxis, numbersOf } from '../dims.js';
import { elementTypeFromOnnx } from '../element-types.js';
import type { ShapeContext, ShapeRule, ValueInfo } from '../types.js';

const REDUCE_OPS = [
  'ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum',
  'ReduceLogSumExp', 'ReduceSumSquare',
] as const;

/** ReduceSum took `axes` as an input from opset 13; the other reductions from opset 18. */
function axesFromInput(context: ShapeContext): boolean {
  return context.opset >= (context.opType === 'ReduceSum' ? 13 : 18);
}

const reduce: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const keepDims = intAttribute(attributes, 'keepdims', 1) === 1;
  let axes: number[] | undefined;
  if (axesFromInput(context)) {
    if (context.hasInput(1)) {
      axes = numbersOf(context.valueInput(1));
      if (axes === undefined) {
        // Unknown axes: with keepdims the rank survives, but any extent may have become 1.
        return [{ type, dims: keepDims && dims !== undefined ? dims.map(() => context.freshDim()) : undefined }];
      }
    }
  } else {
    axes = intsAttribute(attributes, 'axes');
  }
  if (dims === undefined) return [{ type, dims: undefined }];
  if (axes === undefined || axes.length === 0) {
    const noop = intAttribute(attributes, 'noop_with_empty_axes', 0) === 1;
    if (noop && axesFromInput(context)) return [{ type, dims }];
    axes = dims.map((_, i) => i);
  }
  const reduced = new Set(axes.map((a) => normalizeAxis(a, dims.length, context)));
  const out = keepDims ? dims.map((d, i) => (reduced.has(i) ? 1 : d)) : dims.filter((_, i) => !reduced.has(i));
  return [{ type, dims: out }];
};

const argReduce: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  if (dims === undefined) return [{ type: 'int64', dims: undefined }];
  const axis = normalizeAxis(intAttribute(attributes, 'axis', 0), dims.length, context);
  const keepDims = intAttribute(attributes, 'keepdims', 1) === 1;
  return [{ type: 'int64', dims: keepDims ? dims.map((d, i) => (i === axis ? 1 : d)) : dims.filter((_, i) => i !== axis) }];
};

/** y's type: the zero point's, else `output_dtype` (opset 21+), else uint8. */
const quantizeLinear: ShapeRule = (inputs, attributes, context) => {
  const outputType = intAttribute(attributes, 'output_dtype', 0);
  const type = (context.hasInput(2) ? inputs[2]?.type : undefined) ?? (outputType !== 0 ? elementTypeFromOnnx(outputType) : 'uint8');
  return [{ type, dims: inputs[0]?.dims }];
};

/** y's type: `output_dtype` when set, else the scale's (opset 19+), else float32. */
const dequantizeLinear: ShapeRule = (inputs, attributes, context) => {
  const outputType = intAttribute(attributes, 'output_dtype', 0);
  const type = outputType !== 0 ? elementTypeFromOnnx(outputType) : context.opset >= 19 ? inputs[1]?.type : 'float32';
  return [{ type, dims: inputs[0]?.dims }];
};

const dynamicQuantizeLinear: ShapeRule = (inputs): ValueInfo[] => [
  { type: 'uint8', dims: inputs[0]?.dims },
  { type: 'float32', dims: [] },
  { type: 'uint8', dims: [] },
];

export const reduceQuantRules: Record<string, ShapeRule> = {
  ...Object.fromEntries(REDUCE_OPS.map((op) => [op, reduce])),
  ArgMax: argReduce,
  ArgMin: argReduce,
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  DynamicQuantizeLinear: dynamicQuantizeLinear,
};
