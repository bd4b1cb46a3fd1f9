// Shape rules of the string, text-feature, signal, ai.onnx.ml and ai.onnx.preview(.training) ops
// the evaluator implements.
import type { ElementType } from '../../ir/dtype.js';
import { addDims, divDims, intAttribute, intsAttribute, subDims } from '../dims.js';
import { elementTypeFromOnnx } from '../element-types.js';
import type { Dim, ShapeRule } from '../types.js';
import { broadcastInputs, sameAsInput } from './elementwise.js';

const bitCast: ShapeRule = (inputs, attributes) => [{ type: elementTypeFromOnnx(intAttribute(attributes, 'to', 0)), dims: inputs[0]?.dims }];

/** [C] -> [max(ngram_indexes) + 1]; [N, C] -> [N, max + 1]. */
const tfIdfVectorizer: ShapeRule = (inputs, attributes) => {
  const x = inputs[0]?.dims;
  const width = Math.max(-1, ...(intsAttribute(attributes, 'ngram_indexes') ?? [])) + 1;
  return [{ type: 'float32', dims: x === undefined ? undefined : x.length === 2 ? [x[0] as Dim, width] : [width] }];
};

/** Substrings [..., most pieces] (data-dependent) and their counts, shaped like the input. */
const stringSplit: ShapeRule = (inputs, _attributes, context) => {
  const x = inputs[0]?.dims;
  return [
    { type: 'string', dims: x === undefined ? undefined : [...x, context.freshDim()] },
    { type: 'int64', dims: x },
  ];
};

/** Stopword removal leaves a data-dependent count of strings: [n] or [1, n]. */
const stringNormalizer: ShapeRule = (inputs, _attributes, context) => {
  const x = inputs[0]?.dims;
  return [{ type: 'string', dims: x === undefined ? undefined : x.length === 2 ? [1, context.freshDim()] : [context.freshDim()] }];
};

const stringConcat: ShapeRule = (inputs, _attributes, context) => [{ type: 'string', dims: broadcastInputs(inputs, context) }];

const regexFullMatch: ShapeRule = (inputs) => [{ type: 'bool', dims: inputs[0]?.dims }];

/** STFT: [batch, frames, bins, 2], frames = (length - frame_length) / frame_step + 1. */
const stft: ShapeRule = (inputs, attributes, context) => {
  const signal = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const step = context.valueInput(1)?.[0];
  const frameLength = context.hasInput(3) ? context.valueInput(3)?.[0] : inputs[2]?.dims?.[0];
  if (signal === undefined || step === undefined || frameLength === undefined) {
    return [{ type, dims: signal === undefined ? undefined : [signal[0] as Dim, context.freshDim(), context.freshDim(), 2] }];
  }
  const frames = addDims(divDims(subDims(signal[1] as Dim, frameLength), step), 1);
  const onesided = intAttribute(attributes, 'onesided', 1) === 1;
  const bins = onesided ? addDims(divDims(frameLength, 2), 1) : frameLength;
  return [{ type, dims: [signal[0] as Dim, frames, bins, 2] }];
};

/** DeformConv: Conv's output [N, M, oH, oW], the spatial extents read off the offset input. */
const deformConv: ShapeRule = (inputs) => {
  const x = inputs[0]?.dims;
  const w = inputs[1]?.dims;
  const offset = inputs[2]?.dims;
  if (x === undefined || w === undefined || offset === undefined) return [{ type: inputs[0]?.type, dims: undefined }];
  return [{ type: inputs[0]?.type, dims: [x[0] as Dim, w[0] as Dim, ...offset.slice(2)] }];
};

/** ImageDecoder: [height, width, 3] (or 1 for Grayscale), the extents read from the image. */
const imageDecoder: ShapeRule = (_inputs, attributes, context) => {
  const format = attributes.get('pixel_format');
  const channels = format?.type === 'string' && format.value === 'Grayscale' ? 1 : 3;
  return [{ type: 'uint8', dims: [context.freshDim(), context.freshDim(), channels] }];
};

export const textSignalRules: Record<string, ShapeRule> = {
  ImageDecoder: imageDecoder,
  BitCast: bitCast,
  TfIdfVectorizer: tfIdfVectorizer,
  StringSplit: stringSplit,
  StringNormalizer: stringNormalizer,
  StringConcat: stringConcat,
  RegexFullMatch: regexFullMatch,
  STFT: stft,
  DeformConv: deformConv,
};

/** LabelEncoder: the input's shape, the type of its values attribute. */
const labelEncoder: ShapeRule = (inputs, attributes) => {
  const tensor = attributes.get('values_tensor');
  let type: ElementType | undefined;
  if (tensor?.type === 'tensor') type = tensor.value.type;
  else if (attributes.has('values_strings')) type = 'string';
  else if (attributes.has('values_int64s')) type = 'int64';
  else if (attributes.has('values_floats')) type = 'float32';
  return [{ type, dims: inputs[0]?.dims }];
};

/** ArrayFeatureExtractor: [..., N] -> [..., len(Y)] ([N] -> [1, len(Y)]). */
const arrayFeatureExtractor: ShapeRule = (inputs, _attributes, context) => {
  const x = inputs[0]?.dims;
  const y = inputs[1]?.dims;
  const count = y === undefined ? context.freshDim() : y.reduce<Dim>((p, d) => (typeof p === 'number' && typeof d === 'number' ? p * d : context.freshDim()), 1);
  if (x === undefined) return [{ type: inputs[0]?.type, dims: undefined }];
  return [{ type: inputs[0]?.type, dims: x.length <= 1 ? [1, count] : [...x.slice(0, -1), count] }];
};

/** TreeEnsemble: [N, n_targets] in X's type. */
const treeEnsemble: ShapeRule = (inputs, attributes) => {
  const x = inputs[0]?.dims;
  return [{ type: inputs[0]?.type, dims: x === undefined ? undefined : [x[0] as Dim, intAttribute(attributes, 'n_targets', 1)] }];
};

export const mlRules: Record<string, ShapeRule> = {
  TreeEnsemble: treeEnsemble,
  LabelEncoder: labelEncoder,
  Binarizer: sameAsInput,
  ArrayFeatureExtractor: arrayFeatureExtractor,
};

/** The preview.training optimizers: X_new... shaped like X..., each state list like its input list. */
function optimizer(groups: number): ShapeRule {
  return (inputs) => {
    const n = (inputs.length - 2) / groups;
    const lists = Array.from({ length: groups }, (_, g) => inputs.slice(2 + g * n, 2 + (g + 1) * n));
    return [...lists[0]!, ...lists.slice(2).flat()].map((info) => ({ type: info?.type, dims: info?.dims }));
  };
}

export const trainingRules: Record<string, ShapeRule> = {
  Adagrad: optimizer(3),
  Momentum: optimizer(3),
  Adam: optimizer(4),
};

/** ai.onnx.preview FlexAttention: [batch, q heads, queries, value size]. */
const flexAttention: ShapeRule = (inputs) => {
  const q = inputs[0]?.dims;
  const v = inputs[2]?.dims;
  return [{ type: inputs[0]?.type, dims: q === undefined || v === undefined ? undefined : [q[0] as Dim, q[1] as Dim, q[2] as Dim, v[3] as Dim] }];
};

export const previewRules: Record<string, ShapeRule> = { FlexAttention: flexAttention };
