import {
  addDims,
  canonical,
  ceilDivDims,
  divDims,
  intAttribute,
  intsAttribute,
  minDims,
  mulDims,
  normalizeAxis,
  numbersOf,
  subDims,
} from '../dims.js';
import { type Dim, type ShapeContext, type ShapeRule, formatDims, shapeError } from '../types.js';

/** int64 "to the end" sentinels (INT64_MAX/INT32_MAX) are treated as any value this large. */
const LARGE = 2 ** 30;

function clampNumber(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** Length of `dim[start:end:step]` with ONNX Slice clamping; symbolic operands stay symbolic. */
export function sliceLength(dim: Dim, start: Dim, end: Dim, step: number): Dim {
  if (typeof dim === 'number' && typeof start === 'number' && typeof end === 'number') {
    const s = start < 0 ? start + dim : start;
    const e = end < 0 ? end + dim : end;
    if (step > 0) return Math.max(0, Math.ceil((clampNumber(e, 0, dim) - clampNumber(s, 0, dim)) / step));
    return Math.max(0, Math.ceil((clampNumber(s, -1, dim - 1) - clampNumber(e, -1, dim - 1)) / -step));
  }
  // Symbolic: a negative number counts from the end; a symbolic start/end is assumed in range.
  const resolve = (v: Dim, forEnd: boolean): Dim => {
    if (typeof v !== 'number') return v;
    if (v >= LARGE) return step > 0 ? dim : subDims(dim, 1);
    if (v <= -LARGE) return step > 0 ? 0 : -1;
    if (v < 0) return addDims(dim, v);
    if (forEnd && step > 0 && typeof dim !== 'number') return minDims(v, dim);
    return typeof dim === 'number' ? clampNumber(v, 0, dim) : v;
  };
  const s = resolve(start, false);
  const e = resolve(end, true);
  const span = step > 0 ? subDims(e, s) : subDims(s, e);
  const length = canonical(step === 1 || step === -1 ? span : ceilDivDims(span, Math.abs(step)));
  return typeof length === 'number' ? Math.max(0, length) : length;
}

/** Slice parameters: attributes before opset 10, inputs from 10. */
function sliceParameters(attributes: Parameters<ShapeRule>[1], context: ShapeContext, rank: number) {
  let starts: Dim[] | undefined;
  let ends: Dim[] | undefined;
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (context.opset < 10) {
    starts = intsAttribute(attributes, 'starts');
    ends = intsAttribute(attributes, 'ends');
    axes = intsAttribute(attributes, 'axes');
  } else {
    starts = context.valueInput(1);
    ends = context.valueInput(2);
    if (context.hasInput(3)) {
      axes = numbersOf(context.valueInput(3));
      if (axes === undefined) return undefined;
    }
    if (context.hasInput(4)) {
      steps = numbersOf(context.valueInput(4));
      if (steps === undefined) return undefined;
    }
  }
  if (starts === undefined || ends === undefined) return undefined;
  if (starts.length !== ends.length) throw shapeError(context, 'starts and ends differ in length', { found: `${starts.length} and ${ends.length}` });
  const resolvedAxes = (axes ?? starts.map((_, i) => i)).map((a) => normalizeAxis(a, rank, context));
  const resolvedSteps = steps ?? starts.map(() => 1);
  if (resolvedSteps.some((s) => s === 0)) throw shapeError(context, 'a step is zero', { expected: 'non-zero steps' });
  return { starts, ends, axes: resolvedAxes, steps: resolvedSteps };
}

const slice: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  if (dims === undefined) return [{ type, dims: undefined }];
  const parameters = sliceParameters(attributes, context, dims.length);
  if (parameters === undefined) {
    // Unknown parameters: the rank is kept, every sliced extent is unknown.
    return [{ type, dims: dims.map(() => context.freshDim()) }];
  }
  const out = [...dims];
  parameters.axes.forEach((axis, i) => {
    out[axis] = sliceLength(dims[axis] as Dim, parameters.starts[i] as Dim, parameters.ends[i] as Dim, parameters.steps[i] as number);
  });
  // A 1-D shape tensor with known values: slice the values too.
  const value = inputs[0]?.value;
  let outValue: Dim[] | undefined;
  const starts = numbersOf(parameters.starts);
  const ends = numbersOf(parameters.ends);
  if (value !== undefined && dims.length === 1 && starts && ends && typeof out[0] === 'number') {
    const n = value.length;
    const step = parameters.steps[0] as number;
    let s = (starts[0] as number) < 0 ? (starts[0] as number) + n : (starts[0] as number);
    s = step > 0 ? clampNumber(s, 0, n) : clampNumber(s, -1, n - 1);
    outValue = Array.from({ length: out[0] }, (_, k) => value[s + k * step] as Dim);
  }
  return [{ type, dims: out, ...(outValue === undefined ? {} : { value: outValue }) }];
};

const gather: ShapeRule = (inputs, attributes, context) => {
  const data = inputs[0]?.dims;
  const indices = inputs[1]?.dims;
  const type = inputs[0]?.type;
  if (data === undefined || indices === undefined) return [{ type, dims: undefined }];
  const axis = normalizeAxis(intAttribute(attributes, 'axis', 0), data.length, context);
  const out = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
  const value = inputs[0]?.value;
  const picks = numbersOf(context.valueInput(1));
  let outValue: Dim[] | undefined;
  if (value !== undefined && data.length === 1 && picks !== undefined) {
    outValue = picks.map((p) => {
      const at = p < 0 ? p + value.length : p;
      const v = value[at];
      if (v === undefined) throw shapeError(context, 'index out of range', { expected: `[${-value.length}, ${value.length - 1}]`, found: `${p}` });
      return v;
    });
  }
  return [{ type, dims: out, ...(outValue === undefined ? {} : { value: outValue }) }];
};

const gatherElements: ShapeRule = (inputs) => [{ type: inputs[0]?.type, dims: inputs[1]?.dims }];

const gatherND: ShapeRule = (inputs, attributes, context) => {
  const data = inputs[0]?.dims;
  const indices = inputs[1]?.dims;
  const type = inputs[0]?.type;
  const last = indices?.[indices.length - 1];
  if (data === undefined || indices === undefined || typeof last !== 'number') return [{ type, dims: undefined }];
  const batch = intAttribute(attributes, 'batch_dims', 0);
  if (batch + last > data.length) throw shapeError(context, 'index tuples are longer than the data rank', { expected: `<= ${data.length - batch}`, found: `${last}` });
  return [{ type, dims: [...indices.slice(0, -1), ...data.slice(batch + last)] }];
};

const concat: ShapeRule = (inputs, attributes, context) => {
  const type = inputs.find((i) => i?.type !== undefined)?.type;
  const known = inputs.filter((i, k) => context.hasInput(k) && i?.dims !== undefined).map((i) => i?.dims as Dim[]);
  if (known.length === 0) return [{ type, dims: undefined }];
  const rank = (known[0] as Dim[]).length;
  const axisAttribute = intAttribute(attributes, 'axis');
  if (axisAttribute === undefined) throw shapeError(context, "missing attribute 'axis'");
  const axis = normalizeAxis(axisAttribute, rank, context);
  const out: Dim[] = [...(known[0] as Dim[])];
  for (const dims of known.slice(1)) {
    if (dims.length !== rank) throw shapeError(context, 'inputs differ in rank', { expected: `rank ${rank}`, found: known.map(formatDims).join(', ') });
    dims.forEach((d, i) => {
      if (i === axis) return;
      const o = out[i] as Dim;
      if (typeof o === 'number' && typeof d === 'number' && o !== d) {
        throw shapeError(context, `inputs differ in dim ${i}`, { expected: `${o}`, found: known.map(formatDims).join(', ') });
      }
      if (typeof o !== 'number' && typeof d === 'number') out[i] = d;
    });
  }
  if (known.length !== inputs.filter((_, k) => context.hasInput(k)).length) {
    out[axis] = context.freshDim();
    return [{ type, dims: out }];
  }
  out[axis] = known.reduce<Dim>((sum, dims) => addDims(sum, dims[axis] as Dim), 0);
  return [{ type, dims: out, ...concatValue(inputs, rank, context) }];
};

/** Concatenated values of 1-D inputs; an input of known length but unknown values gets fresh dims. */
function concatValue(inputs: Parameters<ShapeRule>[0], rank: number, context: ShapeContext): { value?: Dim[] } {
  if (rank !== 1 || !inputs.some((i) => i?.value !== undefined)) return {};
  const value: Dim[] = [];
  for (const input of inputs) {
    if (input?.value !== undefined) value.push(...input.value);
    else if (typeof input?.dims?.[0] === 'number') for (let k = 0; k < input.dims[0]; k++) value.push(context.freshDim());
    else return {};
  }
  return { value };
}

const split: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const count = context.outputCount;
  if (dims === undefined) return Array.from({ length: count }, () => ({ type, dims: undefined }));
  const axis = normalizeAxis(intAttribute(attributes, 'axis', 0), dims.length, context);
  const extent = dims[axis] as Dim;
  let sizes: Dim[] | undefined;
  if (context.opset < 13) sizes = intsAttribute(attributes, 'split');
  else if (context.hasInput(1)) sizes = context.valueInput(1) ?? Array.from({ length: count }, () => context.freshDim());
  if (sizes === undefined) {
    const parts = context.opset >= 18 ? intAttribute(attributes, 'num_outputs', count) : count;
    if (typeof extent === 'number') {
      const chunk = Math.ceil(extent / parts);
      sizes = Array.from({ length: parts }, (_, i) => (i < parts - 1 ? chunk : extent - chunk * (parts - 1)));
      if (context.opset < 18 && extent % parts !== 0) {
        throw shapeError(context, `dim ${axis} is not divisible into ${parts} equal parts`, { found: `${extent}` });
      }
    } else {
      sizes = Array.from({ length: parts }, () => divDims(extent, parts));
    }
  } else if (sizes.every((s) => typeof s === 'number') && typeof extent === 'number') {
    const total = (sizes as number[]).reduce((a, b) => a + b, 0);
    if (total !== extent) throw shapeError(context, `split sizes do not add up to dim ${axis}`, { expected: `${extent}`, found: `[${sizes}]` });
  }
  return sizes.map((s) => {
    const out = [...dims];
    out[axis] = s;
    return { type, dims: out };
  });
};

const oneHot: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[2]?.type;
  if (dims === undefined) return [{ type, dims: undefined }];
  const depth = context.valueInput(1)?.[0] ?? context.freshDim();
  const axis = normalizeAxis(intAttribute(attributes, 'axis', -1), dims.length + 1, context);
  return [{ type, dims: [...dims.slice(0, axis), depth, ...dims.slice(axis)] }];
};

const topK: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  if (dims === undefined) return [{ type, dims: undefined }, { type: 'int64', dims: undefined }];
  const axis = normalizeAxis(intAttribute(attributes, 'axis', -1), dims.length, context);
  const k = context.opset < 10 ? intAttribute(attributes, 'k') : context.valueInput(1)?.[0];
  const out = [...dims];
  out[axis] = k ?? context.freshDim();
  if (typeof k === 'number' && typeof dims[axis] === 'number' && k > (dims[axis] as number)) {
    throw shapeError(context, 'k is larger than the axis', { expected: `k <= ${dims[axis]}`, found: `${k}` });
  }
  return [
    { type, dims: out },
    { type: 'int64', dims: [...out] },
  ];
};

const pad: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  if (dims === undefined) return [{ type, dims: undefined }];
  const rank = dims.length;
  const pads = context.opset < 11 ? intsAttribute(attributes, 'pads') ?? intsAttribute(attributes, 'paddings') : context.valueInput(1);
  let axes: number[] | undefined = dims.map((_, i) => i);
  if (context.opset >= 18 && context.hasInput(3)) axes = numbersOf(context.valueInput(3))?.map((a) => normalizeAxis(a, rank, context));
  if (pads === undefined || axes === undefined) return [{ type, dims: dims.map(() => context.freshDim()) }];
  if (pads.length !== 2 * axes.length) throw shapeError(context, 'pads has the wrong length', { expected: `${2 * axes.length}`, found: `${pads.length}` });
  const out = [...dims];
  axes.forEach((axis, i) => {
    out[axis] = canonical(addDims(addDims(out[axis] as Dim, pads[i] as Dim), pads[i + axes.length] as Dim));
  });
  return [{ type, dims: out }];
};

const depthToSpace: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  if (dims === undefined) return [{ type: inputs[0]?.type, dims: undefined }];
  const b = intAttribute(attributes, 'blocksize', 1);
  const [n, c, h, w] = dims as [Dim, Dim, Dim, Dim];
  if (dims.length !== 4) throw shapeError(context, 'input must be 4-D', { found: formatDims(dims) });
  const out =
    context.opType === 'DepthToSpace'
      ? [n, divDims(c, b * b), mulDims(h, b), mulDims(w, b)]
      : [n, mulDims(c, b * b), divDims(h, b), divDims(w, b)];
  return [{ type: inputs[0]?.type, dims: out }];
};

const nonZero: ShapeRule = (inputs, _attributes, context) => [
  { type: 'int64', dims: [inputs[0]?.dims?.length ?? context.freshDim(), context.freshDim()] },
];

const compress: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const axis = intAttribute(attributes, 'axis');
  if (axis === undefined || dims === undefined) return [{ type: inputs[0]?.type, dims: [context.freshDim()] }];
  const out = [...dims];
  out[normalizeAxis(axis, dims.length, context)] = context.freshDim();
  return [{ type: inputs[0]?.type, dims: out }];
};

export const sliceGatherRules: Record<string, ShapeRule> = {
  Slice: slice,
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  Concat: concat,
  Split: split,
  OneHot: oneHot,
  TopK: topK,
  Pad: pad,
  DepthToSpace: depthToSpace,
  SpaceToDepth: depthToSpace,
  NonZero: nonZero,
  Compress: compress,
  ScatterND: (inputs) => [{ type: inputs[0]?.type, dims: inputs[0]?.dims }],
  ScatterElements: (inputs) => [{ type: inputs[0]?.type, dims: inputs[0]?.dims }],
  Scatter: (inputs) => [{ type: inputs[0]?.type, dims: inputs[0]?.dims }],
};
