import {
  broadcastDim,
  canonical,
  ceilDivDims,
  divDims,
  divExact,
  intAttribute,
  intsAttribute,
  maxDims,
  mulDims,
  normalizeAxis,
  numbersOf,
  product,
  sameDim,
  subDims,
} from '../dims.js';
import { type Dim, type ShapeContext, type ShapeRule, formatDims, shapeError } from '../types.js';
import { MAX_TRACKED_ELEMENTS } from '../values.js';

/** Fresh dims for a rank-1 shape input whose length is known but whose values are not. */
function freshShape(length: Dim | undefined, context: ShapeContext): Dim[] | undefined {
  if (typeof length !== 'number') return undefined;
  return Array.from({ length }, () => context.freshDim());
}

const shape: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  if (dims === undefined) return [{ type: 'int64', dims: [context.freshDim()] }];
  const rank = dims.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(intAttribute(attributes, 'start', 0));
  const end = clamp(intAttribute(attributes, 'end', rank));
  const value = dims.slice(start, Math.max(start, end));
  return [{ type: 'int64', dims: [value.length], value }];
};

const size: ShapeRule = (inputs) => {
  const dims = inputs[0]?.dims;
  return [{ type: 'int64', dims: [], ...(dims === undefined ? {} : { value: [product(dims)] }) }];
};

const reshape: ShapeRule = (inputs, attributes, context) => {
  const input = inputs[0]?.dims;
  const target = context.valueInput(1);
  const type = inputs[0]?.type;
  const passValue = inputs[0]?.value;
  if (target === undefined) return [{ type, dims: freshShape(inputs[1]?.dims?.[0], context) }];
  const allowZero = context.opset >= 14 && intAttribute(attributes, 'allowzero', 0) === 1;
  const out: Dim[] = [];
  let inferred = -1;
  for (let i = 0; i < target.length; i++) {
    const t = target[i] as Dim;
    if (t === -1) {
      if (inferred >= 0) throw shapeError(context, 'more than one -1 in the target shape', { found: formatDims(target) });
      inferred = i;
      out.push(-1);
    } else if (t === 0 && !allowZero) {
      const copied = input?.[i];
      if (input !== undefined && copied === undefined) {
        throw shapeError(context, `target shape copies dim ${i} (0) but the input has rank ${input.length}`, {
          found: `input ${formatDims(input)}, shape ${formatDims(target)}`,
        });
      }
      out.push(copied ?? context.freshDim());
    } else if (typeof t === 'number' && t < -1) {
      throw shapeError(context, 'invalid target dim', { expected: 'a dim >= -1', found: `${t}` });
    } else {
      out.push(t);
    }
  }
  if (input !== undefined) {
    const known = product(out.filter((_, i) => i !== inferred));
    const total = product(input);
    if (inferred >= 0) {
      out[inferred] = divExact(total, known) ?? (sameDim(known, 0) ? context.freshDim() : divDims(total, known));
    } else if (typeof known === 'number' && typeof total === 'number' && known !== total) {
      throw shapeError(context, 'element counts differ', {
        expected: `${total} elements (input ${formatDims(input)})`,
        found: `${known} elements (target ${formatDims(target)})`,
      });
    }
  } else if (inferred >= 0) {
    out[inferred] = context.freshDim();
  }
  return [{ type, dims: out, ...(passValue === undefined ? {} : { value: passValue }) }];
};

const flatten: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  if (dims === undefined) return [{ type: inputs[0]?.type, dims: [context.freshDim(), context.freshDim()] }];
  const raw = intAttribute(attributes, 'axis', 1);
  const axis = raw < 0 ? raw + dims.length : raw;
  if (axis < 0 || axis > dims.length) throw shapeError(context, 'axis out of range', { expected: `[${-dims.length}, ${dims.length}]`, found: `${raw}` });
  return [{ type: inputs[0]?.type, dims: [product(dims.slice(0, axis)), product(dims.slice(axis))], value: inputs[0]?.value }];
};

const transpose: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  if (dims === undefined) return [{ type: inputs[0]?.type, dims: undefined }];
  const perm = intsAttribute(attributes, 'perm') ?? dims.map((_, i) => dims.length - 1 - i);
  if (perm.length !== dims.length) {
    throw shapeError(context, 'perm length differs from the input rank', { expected: `${dims.length}`, found: `${perm.length} (perm [${perm}])` });
  }
  const out = perm.map((p) => dims[normalizeAxis(p, dims.length, context)] as Dim);
  return [{ type: inputs[0]?.type, dims: out, ...(dims.length <= 1 ? { value: inputs[0]?.value } : {}) }];
};

/** Squeeze/Unsqueeze axes: an attribute before opset 13, an optional input from 13. */
function axesOf(attributes: Parameters<ShapeRule>[1], context: ShapeContext, inputIndex: number): number[] | undefined | 'unknown' {
  if (context.opset < 13) return intsAttribute(attributes, 'axes');
  if (!context.hasInput(inputIndex)) return undefined;
  return numbersOf(context.valueInput(inputIndex)) ?? 'unknown';
}

const squeeze: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const axes = axesOf(attributes, context, 1);
  if (dims === undefined || axes === 'unknown') return [{ type, dims: undefined }];
  let drop: Set<number>;
  if (axes === undefined) {
    // No axes: drop every dim of extent 1. Symbolic dims are assumed not to be 1.
    drop = new Set(dims.flatMap((d, i) => (d === 1 ? [i] : [])));
  } else {
    drop = new Set(axes.map((a) => normalizeAxis(a, dims.length, context)));
    for (const a of drop) {
      const d = dims[a] as Dim;
      if (typeof d === 'number' && d !== 1) throw shapeError(context, `cannot squeeze axis ${a}`, { expected: 'extent 1', found: `${d} in ${formatDims(dims)}` });
    }
  }
  return [{ type, dims: dims.filter((_, i) => !drop.has(i)), value: inputs[0]?.value }];
};

const unsqueeze: ShapeRule = (inputs, attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const axes = axesOf(attributes, context, 1);
  if (axes === undefined) throw shapeError(context, 'axes are required', { expected: context.opset < 13 ? "attribute 'axes'" : "input 'axes'" });
  if (dims === undefined || axes === 'unknown') return [{ type, dims: undefined }];
  const rank = dims.length + axes.length;
  const inserted = new Set(axes.map((a) => normalizeAxis(a, rank, context)));
  if (inserted.size !== axes.length) throw shapeError(context, 'duplicate axes', { found: `[${axes}]` });
  const out: Dim[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(inserted.has(i) ? 1 : (dims[next++] as Dim));
  return [{ type, dims: out, value: inputs[0]?.value }];
};

const expand: ShapeRule = (inputs, _attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const target = context.valueInput(1);
  if (dims === undefined) return [{ type, dims: target === undefined ? freshShape(inputs[1]?.dims?.[0], context) : undefined }];
  if (target === undefined) {
    const length = inputs[1]?.dims?.[0];
    if (typeof length !== 'number') return [{ type, dims: undefined }];
    // Unknown target: a non-1 input extent survives broadcasting; the rest are unknown.
    const rank = Math.max(length, dims.length);
    const out = Array.from({ length: rank }, (_, i) => {
      const d = dims[i - (rank - dims.length)];
      return d !== undefined && d !== 1 ? d : context.freshDim();
    });
    return [{ type, dims: out }];
  }
  const rank = Math.max(target.length, dims.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const a = dims[i - (rank - dims.length)] ?? 1;
    const b = target[i - (rank - target.length)] ?? 1;
    out.push(broadcastDim(a, b, context));
  }
  return [{ type, dims: out }];
};

const constantOfShape: ShapeRule = (inputs, attributes, context) => {
  const fill = attributes.get('value');
  const tensor = fill?.type === 'tensor' ? fill.value : undefined;
  const type = tensor?.type ?? 'float32';
  const dims = context.valueInput(0) ?? freshShape(inputs[0]?.dims?.[0], context);
  const count = dims === undefined ? undefined : product(dims);
  const fillValue = tensor === undefined ? 0 : Number((tensor.data as ArrayLike<number | bigint>)[0] ?? 0);
  const value = typeof count === 'number' && count <= MAX_TRACKED_ELEMENTS ? new Array<Dim>(count).fill(fillValue) : undefined;
  return [{ type, dims, ...(value === undefined ? {} : { value }) }];
};

const range: ShapeRule = (inputs, _attributes, context) => {
  const type = inputs[0]?.type ?? inputs[1]?.type;
  const [start, limit, delta] = [0, 1, 2].map((i) => context.valueInput(i)?.[0]);
  if (start === undefined || limit === undefined || delta === undefined) return [{ type, dims: [context.freshDim()] }];
  if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number') {
    if (delta === 0) throw shapeError(context, 'delta is zero', { expected: 'a non-zero delta' });
    const count = Math.max(Math.ceil((limit - start) / delta), 0);
    const value = count <= MAX_TRACKED_ELEMENTS ? Array.from({ length: count }, (_, i) => start + i * delta) : undefined;
    return [{ type, dims: [count], ...(value === undefined ? {} : { value }) }];
  }
  if (typeof delta === 'number' && delta > 0) {
    const count = canonical(maxDims(ceilDivDims(subDims(limit, start), delta), 0));
    return [{ type, dims: [count] }];
  }
  return [{ type, dims: [context.freshDim()] }];
};

const tile: ShapeRule = (inputs, _attributes, context) => {
  const dims = inputs[0]?.dims;
  const type = inputs[0]?.type;
  const repeats = context.valueInput(1);
  if (dims === undefined) return [{ type, dims: freshShape(inputs[1]?.dims?.[0], context) }];
  if (repeats === undefined) return [{ type, dims: dims.map(() => context.freshDim()) }];
  if (repeats.length !== dims.length) {
    throw shapeError(context, 'repeats length differs from the input rank', { expected: `${dims.length}`, found: `${repeats.length}` });
  }
  return [{ type, dims: dims.map((d, i) => mulDims(d, repeats[i] as Dim)) }];
};

export const shapeOpRules: Record<string, ShapeRule> = {
  Shape: shape,
  Size: size,
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  ConstantOfShape: constantOfShape,
  Range: range,
  Tile: tile,
};
