import type { ElementType } from '../../ir/dtype.js';
import { broadcastShapes, intAttribute } from '../dims.js';
import { elementTypeFromOnnx } from '../element-types.js';
import { type Dim, type ShapeRule, type ValueInfo, shapeError } from '../types.js';

/** Output 0 has input 0's shape and type. */
export const sameAsInput: ShapeRule = (inputs) => [{ type: inputs[0]?.type, dims: inputs[0]?.dims }];

/** Output 0 has input 0's shape and the given type. */
function sameShapeAs(type: ElementType): ShapeRule {
  return (inputs) => [{ type, dims: inputs[0]?.dims }];
}

/** Broadcast of all present inputs; undefined when any shape is unknown. */
export function broadcastInputs(inputs: readonly (ValueInfo | undefined)[], context: Parameters<ShapeRule>[2]): Dim[] | undefined {
  const shapes: Dim[][] = [];
  for (let i = 0; i < inputs.length; i++) {
    if (!context.hasInput(i)) continue;
    const dims = inputs[i]?.dims;
    if (dims === undefined) return undefined;
    shapes.push(dims);
  }
  return broadcastShapes(shapes, context);
}

/** First known element type among the given inputs. */
function firstType(inputs: readonly (ValueInfo | undefined)[], indices: readonly number[]): ElementType | undefined {
  for (const i of indices) {
    const type = inputs[i]?.type;
    if (type !== undefined) return type;
  }
  return undefined;
}

/** Numpy broadcasting; the output takes the inputs' common type. */
const broadcastSameType: ShapeRule = (inputs, _attributes, context) => [
  { type: firstType(inputs, inputs.map((_, i) => i)), dims: broadcastInputs(inputs, context) },
];

/** Numpy broadcasting; type of input 0 (Pow, BitShift: the base decides). */
const broadcastFirstType: ShapeRule = (inputs, _attributes, context) => [{ type: inputs[0]?.type, dims: broadcastInputs(inputs, context) }];

/** Numpy broadcasting, boolean output (comparisons, logical ops). */
const broadcastBool: ShapeRule = (inputs, _attributes, context) => [{ type: 'bool', dims: broadcastInputs(inputs, context) }];

const where: ShapeRule = (inputs, _attributes, context) => [{ type: firstType(inputs, [1, 2]), dims: broadcastInputs(inputs, context) }];

const cast: ShapeRule = (inputs, attributes, context) => {
  const to = intAttribute(attributes, 'to');
  if (to === undefined) throw shapeError(context, "missing attribute 'to'", { expected: 'an ONNX data type number' });
  return [{ type: elementTypeFromOnnx(to), dims: inputs[0]?.dims }];
};

const castLike: ShapeRule = (inputs) => [{ type: inputs[1]?.type, dims: inputs[0]?.dims }];

/** Dropout: output 0 like the input, optional mask of bools. */
const dropout: ShapeRule = (inputs, _attributes, context) => {
  const out: ValueInfo[] = [{ type: inputs[0]?.type, dims: inputs[0]?.dims }];
  if (context.outputCount > 1) out.push({ type: 'bool', dims: inputs[0]?.dims });
  return out;
};

/** PRelu: slope broadcasts unidirectionally to X. */
const prelu: ShapeRule = (inputs, _attributes, context) => [{ type: inputs[0]?.type, dims: broadcastInputs(inputs, context) }];

const UNARY_SAME = [
  'Abs', 'Neg', 'Floor', 'Ceil', 'Round', 'Reciprocal', 'Sqrt', 'Exp', 'Log', 'Relu', 'LeakyRelu', 'Elu', 'Selu',
  'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Softplus', 'Softsign', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos',
  'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Erf', 'Sign', 'Gelu', 'Mish', 'ThresholdedRelu', 'Identity',
  'Softmax', 'LogSoftmax', 'Hardmax', 'LRN', 'Shrink', 'BitwiseNot', 'Not', 'Clip', 'CumSum', 'Trilu',
  'MeanVarianceNormalization', 'InstanceNormalization', 'LpNormalization', 'ReverseSequence', 'Swish', 'Binarizer',
  'FastGelu', 'BiasGelu', 'QuickGelu',
] as const;

const BROADCAST_SAME = ['Add', 'Sub', 'Mul', 'Div', 'Mod', 'Max', 'Min', 'Sum', 'Mean', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor'] as const;

const BROADCAST_BOOL = ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor'] as const;

export const elementwiseRules: Record<string, ShapeRule> = {
  ...Object.fromEntries(UNARY_SAME.map((op) => [op, sameAsInput])),
  ...Object.fromEntries(BROADCAST_SAME.map((op) => [op, broadcastSameType])),
  ...Object.fromEntries(BROADCAST_BOOL.map((op) => [op, broadcastBool])),
  Pow: broadcastFirstType,
  BitShift: broadcastFirstType,
  PRelu: prelu,
  Where: where,
  Cast: cast,
  CastLike: castLike,
  Dropout: dropout,
  IsNaN: sameShapeAs('bool'),
  IsInf: sameShapeAs('bool'),
};
