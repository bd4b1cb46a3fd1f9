import { addDims, divDims, intAttribute, intsAttribute, mulDims, normalizeAxis, stringAttribute, subDims } from '../dims.js';
import { elementTypeFromOnnx } from '../element-types.js';
import type { Dim, ShapeRule, ValueInfo } from '../types.js';
import { broadcastInputs, sameAsInput } from './elementwise.js';

/**
 * Attention (opset 23+). Q/K/V are 4-D [B, heads, seq, head size] or 3-D [B, seq, hidden] with
 * `q_num_heads`/`kv_num_heads`. Outputs: Y, present_key, present_value, qk_matmul_output.
 */
const attention: ShapeRule = (inputs, attributes, context) => {
  const [q, k, v] = [inputs[0]?.dims, inputs[1]?.dims, inputs[2]?.dims];
  const type = inputs[0]?.type;
  const unknown = Array.from({ length: context.outputCount }, (): ValueInfo => ({ type, dims: undefined }));
  if (q === undefined || k === undefined || v === undefined) return unknown;
  const qHeads = q.length === 4 ? (q[1] as Dim) : intAttribute(attributes, 'q_num_heads') ?? context.freshDim();
  const kvHeads = k.length === 4 ? (k[1] as Dim) : intAttribute(attributes, 'kv_num_heads') ?? context.freshDim();
  const [batch, qSeq] = (q.length === 4 ? [q[0], q[2]] : [q[0], q[1]]) as [Dim, Dim];
  const kvSeq = (k.length === 4 ? k[2] : k[1]) as Dim;
  const headSize = k.length === 4 ? (k[3] as Dim) : divDims(k[2] as Dim, kvHeads);
  const vHeadSize = v.length === 4 ? (v[3] as Dim) : divDims(v[2] as Dim, kvHeads);
  const past = context.hasInput(4) ? inputs[4]?.dims?.[2] : 0;
  const total = past === undefined ? context.freshDim() : addDims(past, kvSeq);
  const y = q.length === 4 ? [batch, qHeads, qSeq, vHeadSize] : [batch, qSeq, mulDims(qHeads, vHeadSize)];
  const outputs: ValueInfo[] = [
    { type, dims: y },
    { type, dims: [batch, kvHeads, total, headSize] },
    { type, dims: [batch, kvHeads, total, vHeadSize] },
    { type, dims: [batch, qHeads, qSeq, total] },
  ];
  return outputs.slice(0, context.outputCount);
};

/** SoftmaxCrossEntropyLoss / NegativeLogLikelihoodLoss: [] unless reduction is 'none'. */
const loss: ShapeRule = (inputs, attributes, context) => {
  const scores = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const reduction = stringAttribute(attributes, 'reduction', 'mean');
  const perItem = scores === undefined ? undefined : [scores[0] as Dim, ...scores.slice(2)];
  const out: ValueInfo[] = [{ type, dims: reduction === 'none' ? perItem : [] }];
  if (context.outputCount > 1) out.push({ type, dims: scores });
  return out;
};

const gridSample: ShapeRule = (inputs) => {
  const x = inputs[0]?.dims;
  const grid = inputs[1]?.dims;
  return [{ type: inputs[0]?.type, dims: x === undefined || grid === undefined ? undefined : [x[0] as Dim, x[1] as Dim, ...grid.slice(1, -1)] }];
};

const affineGrid: ShapeRule = (inputs, _attributes, context) => {
  const size = context.valueInput(1);
  const type = inputs[0]?.type;
  if (size === undefined) return [{ type, dims: undefined }];
  return [{ type, dims: [size[0] as Dim, ...size.slice(2), size.length - 2] }];
};

const unique: ShapeRule = (inputs, attributes, context) => {
  const x = inputs[0]?.dims;
  const axis = intAttribute(attributes, 'axis');
  const count = context.freshDim();
  let y: Dim[] | undefined = [count];
  let inverse: Dim[] | undefined = [context.freshDim()];
  if (x !== undefined && axis !== undefined) {
    const a = normalizeAxis(axis, x.length, context);
    y = x.map((d, i) => (i === a ? count : d));
    inverse = [x[a] as Dim];
  } else if (x !== undefined) {
    inverse = [x.reduce<Dim>((p, d) => mulDims(p, d), 1)];
  }
  const outputs: ValueInfo[] = [
    { type: inputs[0]?.type, dims: y },
    { type: 'int64', dims: [count] },
    { type: 'int64', dims: inverse },
    { type: 'int64', dims: [count] },
  ];
  return outputs.slice(0, context.outputCount);
};

const det: ShapeRule = (inputs) => [{ type: inputs[0]?.type, dims: inputs[0]?.dims?.slice(0, -2) }];

const centerCropPad: ShapeRule = (inputs, attributes, context) => {
  const x = inputs[0]?.dims;
  const shape = context.valueInput(1);
  if (x === undefined) return [{ type: inputs[0]?.type, dims: undefined }];
  const axes = (intsAttribute(attributes, 'axes') ?? x.map((_, i) => i)).map((a) => normalizeAxis(a, x.length, context));
  const out = [...x];
  axes.forEach((a, i) => {
    out[a] = shape?.[i] ?? context.freshDim();
  });
  return [{ type: inputs[0]?.type, dims: out }];
};

const col2im: ShapeRule = (inputs, _attributes, context) => {
  const x = inputs[0]?.dims;
  const image = context.valueInput(1);
  const block = context.valueInput(2);
  if (x === undefined || image === undefined || block === undefined) return [{ type: inputs[0]?.type, dims: undefined }];
  const channels = divDims(x[1] as Dim, block.reduce<Dim>((p, d) => mulDims(p, d), 1));
  return [{ type: inputs[0]?.type, dims: [x[0] as Dim, channels, ...image] }];
};

const maxUnpool: ShapeRule = (inputs, attributes, context) => {
  const x = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const given = context.hasInput(2) ? context.valueInput(2) : undefined;
  if (given !== undefined) return [{ type, dims: given }];
  const kernel = intsAttribute(attributes, 'kernel_shape');
  if (x === undefined || kernel === undefined) return [{ type, dims: undefined }];
  const n = kernel.length;
  const strides = intsAttribute(attributes, 'strides') ?? kernel.map(() => 1);
  const pads = intsAttribute(attributes, 'pads') ?? [...kernel, ...kernel].map(() => 0);
  const spatial = x.slice(2).map((d, i) =>
    subDims(addDims(mulDims(subDims(d, 1), strides[i] as number), kernel[i] as number), (pads[i] as number) + (pads[i + n] as number)),
  );
  return [{ type, dims: [x[0] as Dim, x[1] as Dim, ...spatial] }];
};

/** HannWindow, HammingWindow, BlackmanWindow: [size], `output_datatype` (float32 by default). */
const window: ShapeRule = (_inputs, attributes, context) => [
  { type: elementTypeFromOnnx(intAttribute(attributes, 'output_datatype', 1)), dims: [context.valueInput(0)?.[0] ?? context.freshDim()] },
];

const nonMaxSuppression: ShapeRule = (_inputs, _attributes, context) => [{ type: 'int64', dims: [context.freshDim(), 3] }];

/** DFT (opset 17+): the signal's last dim is 1 (real) or 2 (complex); output is complex. */
const dft: ShapeRule = (inputs, attributes, context) => {
  const x = inputs[0]?.dims;
  const type = inputs[0]?.type;
  if (x === undefined) return [{ type, dims: undefined }];
  const axis = context.opset >= 20 ? context.valueInput(2)?.[0] : intAttribute(attributes, 'axis', 1);
  if (axis === undefined || typeof axis !== 'number') return [{ type, dims: x.map(() => context.freshDim()) }];
  const a = normalizeAxis(axis, x.length - 1, context);
  const out = [...x];
  const length = context.hasInput(1) ? context.valueInput(1)?.[0] : undefined;
  if (length !== undefined) out[a] = length;
  const onesided = intAttribute(attributes, 'onesided', 0) === 1;
  if (onesided && intAttribute(attributes, 'inverse', 0) === 1) {
    // Inverse of a one-sided spectrum: a real signal of dft_length (default 2*(n-1)) samples.
    out[a] = length ?? mulDims(subDims(x[a] as Dim, 1), 2);
    out[x.length - 1] = 1;
    return [{ type, dims: out }];
  }
  if (onesided) out[a] = addDims(divDims(out[a] as Dim, 2), 1);
  out[x.length - 1] = 2;
  return [{ type, dims: out }];
};

/** SwiGLU(a, b): elementwise with broadcasting. */
const swiglu: ShapeRule = (inputs, _attributes, context) => [{ type: inputs[0]?.type, dims: broadcastInputs(inputs, context) }];

/** CausalConvWithState: output shaped like the input [B, C, T]; present_state [B, C, K - 1]. */
const causalConvWithState: ShapeRule = (inputs) => {
  const x = inputs[0]?.dims;
  const kernel = inputs[1]?.dims?.[2];
  const type = inputs[0]?.type;
  return [
    { type, dims: x },
    { type, dims: x === undefined || kernel === undefined ? undefined : [x[0] as Dim, x[1] as Dim, subDims(kernel, 1)] },
  ];
};

/** LinearAttention: output [B, T, q_heads * value size]; present_state [B, kv_heads, key size, value size]. */
const linearAttention: ShapeRule = (inputs, attributes, context) => {
  const [q, k, v] = [inputs[0]?.dims, inputs[1]?.dims, inputs[2]?.dims];
  const type = inputs[0]?.type;
  const qHeads = intAttribute(attributes, 'q_num_heads') ?? context.freshDim();
  const kvHeads = intAttribute(attributes, 'kv_num_heads') ?? context.freshDim();
  if (q === undefined || k === undefined || v === undefined) return [{ type, dims: undefined }, { type, dims: undefined }];
  const valueSize = divDims(v[2] as Dim, kvHeads);
  return [
    { type, dims: [q[0] as Dim, q[1] as Dim, mulDims(qHeads, valueSize)] },
    { type, dims: [q[0] as Dim, kvHeads, divDims(k[2] as Dim, kvHeads), valueSize] },
  ];
};

export const extraRules: Record<string, ShapeRule> = {
  CausalConvWithState: causalConvWithState,
  LinearAttention: linearAttention,
  Attention: attention,
  SoftmaxCrossEntropyLoss: loss,
  NegativeLogLikelihoodLoss: loss,
  GridSample: gridSample,
  AffineGrid: affineGrid,
  Unique: unique,
  Det: det,
  CenterCropPad: centerCropPad,
  Col2Im: col2im,
  MaxUnpool: maxUnpool,
  HannWindow: window,
  HammingWindow: window,
  BlackmanWindow: window,
  NonMaxSuppression: nonMaxSuppression,
  DFT: dft,
  SwiGLU: swiglu,
  RMSNormalization: sameAsInput,
  RotaryEmbedding: sameAsInput,
  CumProd: sameAsInput,
  TensorScatter: sameAsInput,
};
