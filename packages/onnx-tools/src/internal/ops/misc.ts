// Pad, Trilu, CumSum/CumProd, TopK, OneHot, Compress, NonZero, ReverseSequence, Unique.
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { floatAttr, intAttr, intsAttr, readInts, requireInput, scalarInput, stringAttr } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { allocate, fromNumbers, makeTensor, sizeOf, toNumbers } from './util/dtype.js';
import { evaluateError } from './util/errors.js';
import { takeElements } from './util/indexing.js';
import { normalizeAxis, stridesOf } from './util/shape.js';

type Inputs = readonly (Tensor | undefined)[];
type Elements = { [index: number]: unknown; length: number };

function sourceCoordinate(mode: string, c: number, extent: number): number {
  if (c >= 0 && c < extent) return c;
  if (mode === 'edge') return Math.min(Math.max(c, 0), extent - 1);
  if (mode === 'wrap') return ((c % extent) + extent) % extent;
  if (mode === 'reflect') {
    if (extent === 1) return 0;
    const period = 2 * (extent - 1);
    const m = ((c % period) + period) % period;
    return m < extent ? m : period - m;
  }
  return -1;
}

function pad(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const rank = x.dims.length;
  const mode = stringAttr(attributes, 'mode', 'constant');
  let pads: number[];
  let value = 0;
  let bigValue: unknown;
  if (context.opset >= 11) {
    const requested = readInts(requireInput(context, inputs, 1));
    const axes = inputs[3] ? readInts(inputs[3]).map((a) => normalizeAxis(context, a, rank)) : [...Array(rank).keys()];
    pads = new Array<number>(2 * rank).fill(0);
    axes.forEach((axis, i) => {
      pads[axis] = requested[i]!;
      pads[axis + rank] = requested[i + axes.length]!;
    });
    const constant = inputs[2];
    if (constant && constant.data.length > 0) {
      bigValue = constant.data[0];
      value = constant.type === 'string' ? 0 : toNumbers(constant)[0]!;
    }
  } else {
    pads = intsAttr(attributes, 'pads') ?? intsAttr(attributes, 'paddings') ?? [];
    value = floatAttr(attributes, 'value', 0);
  }
  const outDims = x.dims.map((d, i) => d + pads[i]! + pads[i + rank]!);
  const strides = stridesOf(x.dims);
  const total = sizeOf(outDims);
  const map = new Int32Array(total);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < total; i++) {
    let offset = 0;
    for (let a = 0; a < rank; a++) {
      const c = sourceCoordinate(mode, index[a]! - pads[a]!, x.dims[a]!);
      if (c < 0) {
        offset = -1;
        break;
      }
      offset += c * strides[a]!;
    }
    map[i] = offset;
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a]! < outDims[a]!) break;
      index[a] = 0;
    }
  }
  const out = allocate(x.type, total) as unknown as Elements;
  const source = x.data as unknown as Elements;
  const fill = x.type === 'float16' || x.type === 'bfloat16' ? (fromNumbers(x.type, [1], [value]).data[0] as unknown) : bigValue ?? (x.type === 'int64' || x.type === 'uint64' ? BigInt(value) : value);
  for (let i = 0; i < total; i++) out[i] = map[i]! >= 0 ? source[map[i]!] : fill;
  return [makeTensor(x.type, outDims, out as never)];
}

function trilu(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const k = scalarInput(inputs, 1, 0);
  const upper = intAttr(attributes, 'upper', 1) === 1;
  const rows = x.dims[x.dims.length - 2]!;
  const cols = x.dims[x.dims.length - 1]!;
  const out = x.data.slice() as unknown as Elements;
  const zero = x.type === 'int64' || x.type === 'uint64' ? 0n : x.type === 'string' ? '' : 0;
  for (let i = 0; i < out.length; i++) {
    const c = i % cols;
    const r = Math.floor(i / cols) % rows;
    const keep = upper ? c - r >= k : c - r <= k;
    if (!keep) out[i] = zero;
  }
  return [makeTensor(x.type, x.dims, out as never)];
}

function cumulative(product: boolean) {
  return (inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] => {
    const x = requireInput(context, inputs, 0);
    const axis = normalizeAxis(context, scalarInput(inputs, 1, 0), x.dims.length);
    const exclusive = intAttr(attributes, 'exclusive', 0) === 1;
    const reverse = intAttr(attributes, 'reverse', 0) === 1;
    const values = toNumbers(x);
    const outer = sizeOf(x.dims.slice(0, axis));
    const extent = x.dims[axis]!;
    const inner = sizeOf(x.dims.slice(axis + 1));
    const out = new Float64Array(values.length);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let acc = product ? 1 : 0;
        for (let step = 0; step < extent; step++) {
          const k = reverse ? extent - 1 - step : step;
          const index = (o * extent + k) * inner + i;
          if (exclusive) out[index] = acc;
          acc = product ? acc * values[index]! : acc + values[index]!;
          if (!exclusive) out[index] = acc;
        }
      }
    return [fromNumbers(x.type, x.dims, out)];
  };
}

function topK(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', -1), x.dims.length);
  const k = context.opset >= 10 ? readInts(requireInput(context, inputs, 1))[0]! : intAttr(attributes, 'k', 1);
  const largest = intAttr(attributes, 'largest', 1) === 1;
  const values = toNumbers(x);
  const outer = sizeOf(x.dims.slice(0, axis));
  const extent = x.dims[axis]!;
  const inner = sizeOf(x.dims.slice(axis + 1));
  if (k > extent) throw evaluateError(context, 'K is larger than the axis', { expected: `K <= ${extent}`, found: String(k) });
  const outDims = x.dims.map((d, i) => (i === axis ? k : d));
  const map = new Int32Array(outer * k * inner);
  const indices = new BigInt64Array(outer * k * inner);
  const order = Array.from({ length: extent }, (_, i) => i);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => values[(o * extent + j) * inner + i]!;
      order.sort((p, q) => {
        const d = largest ? at(q) - at(p) : at(p) - at(q);
        return d === 0 || Number.isNaN(d) ? p - q : d;
      });
      for (let j = 0; j < k; j++) {
        const target = (o * k + j) * inner + i;
        map[target] = (o * extent + order[j]!) * inner + i;
        indices[target] = BigInt(order[j]!);
      }
      order.sort((p, q) => p - q);
    }
  return [takeElements(x, outDims, map), makeTensor('int64', outDims, indices)];
}

function oneHot(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const indices = toNumbers(requireInput(context, inputs, 0));
  const indexDims = requireInput(context, inputs, 0).dims;
  const depth = Math.trunc(scalarInput(inputs, 1, 0));
  const valuesTensor = requireInput(context, inputs, 2);
  const rank = indexDims.length + 1;
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', -1), rank);
  const outDims = [...indexDims.slice(0, axis), depth, ...indexDims.slice(axis)];
  const outer = sizeOf(indexDims.slice(0, axis));
  const inner = sizeOf(indexDims.slice(axis));
  const map = new Int32Array(sizeOf(outDims));
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let index = Math.trunc(indices[o * inner + i]!);
      if (index < 0) index += depth;
      for (let d = 0; d < depth; d++) map[(o * depth + d) * inner + i] = d === index ? 1 : 0;
    }
  return [takeElements(valuesTensor, outDims, map)];
}

function compress(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const condition = toNumbers(requireInput(context, inputs, 1));
  const axisAttribute = intAttr(attributes, 'axis');
  if (axisAttribute === undefined) {
    const keep: number[] = [];
    for (let i = 0; i < Math.min(condition.length, x.data.length); i++) if (condition[i]) keep.push(i);
    return [takeElements(x, [keep.length], keep)];
  }
  const axis = normalizeAxis(context, axisAttribute, x.dims.length);
  const selected: number[] = [];
  for (let i = 0; i < Math.min(condition.length, x.dims[axis]!); i++) if (condition[i]) selected.push(i);
  const outer = sizeOf(x.dims.slice(0, axis));
  const inner = sizeOf(x.dims.slice(axis + 1));
  const map: number[] = [];
  for (let o = 0; o < outer; o++) for (const s of selected) for (let i = 0; i < inner; i++) map.push((o * x.dims[axis]! + s) * inner + i);
  return [takeElements(x, x.dims.map((d, i) => (i === axis ? selected.length : d)), map)];
}

function nonZero(inputs: Inputs, _attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const values = x.type === 'string' ? (x.data as string[]).map((s) => (s === '' ? 0 : 1)) : toNumbers(x);
  const rank = x.dims.length;
  const strides = stridesOf(x.dims);
  const hits: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i]) hits.push(i);
  const out = new BigInt64Array(rank * hits.length);
  hits.forEach((flat, j) => {
    for (let a = 0; a < rank; a++) out[a * hits.length + j] = BigInt(Math.floor(flat / strides[a]!) % x.dims[a]!);
  });
  return [makeTensor('int64', [rank, hits.length], out)];
}

function reverseSequence(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const lengths = readInts(requireInput(context, inputs, 1));
  const batchAxis = intAttr(attributes, 'batch_axis', 1);
  const timeAxis = intAttr(attributes, 'time_axis', 0);
  const strides = stridesOf(x.dims);
  const map = new Int32Array(x.data.length);
  for (let i = 0; i < map.length; i++) {
    const b = Math.floor(i / strides[batchAxis]!) % x.dims[batchAxis]!;
    const t = Math.floor(i / strides[timeAxis]!) % x.dims[timeAxis]!;
    const length = lengths[b]!;
    map[i] = t < length ? i + (length - 1 - 2 * t) * strides[timeAxis]! : i;
  }
  return [takeElements(x, x.dims, map)];
}

function unique(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axisAttribute = intAttr(attributes, 'axis');
  const sorted = intAttr(attributes, 'sorted', 1) === 1;
  const dims = axisAttribute === undefined ? [x.data.length] : x.dims;
  const axis = axisAttribute === undefined ? 0 : normalizeAxis(context, axisAttribute, dims.length);
  const outer = sizeOf(dims.slice(0, axis));
  const extent = dims[axis]!;
  const inner = sizeOf(dims.slice(axis + 1));
  const source = x.data as unknown as Elements;
  const slices: unknown[][] = [];
  for (let k = 0; k < extent; k++) {
    const s: unknown[] = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) s.push(source[(o * extent + k) * inner + i]);
    slices.push(s);
  }
  const firstOf = new Map<string, number>();
  const keys = slices.map((s) => s.map(String).join('\u0000'));
  keys.forEach((key, k) => {
    if (!firstOf.has(key)) firstOf.set(key, k);
  });
  let order = [...firstOf.values()];
  if (sorted) {
    const compare = (p: number, q: number): number => {
      for (let j = 0; j < slices[p]!.length; j++) {
        const a = slices[p]![j] as number;
        const b = slices[q]![j] as number;
        if (a < b) return -1;
        if (a > b) return 1;
      }
      return 0;
    };
    order = order.sort(compare);
  }
  const position = new Map(order.map((k, j) => [keys[k]!, j]));
  const map: number[] = [];
  for (let o = 0; o < outer; o++) for (const k of order) for (let i = 0; i < inner; i++) map.push((o * extent + k) * inner + i);
  const outDims = dims.map((d, i) => (i === axis ? order.length : d));
  const counts = new Array<number>(order.length).fill(0);
  keys.forEach((key) => counts[position.get(key)!]!++);
  const int64 = (values: number[]) => makeTensor('int64', [values.length], BigInt64Array.from(values, (v) => BigInt(v)));
  return [
    takeElements(x, outDims, map),
    int64(order),
    int64(keys.map((key) => position.get(key)!)),
    int64(counts),
  ];
}

export const ops: OpRegistration[] = [
  defineOp('Pad', 1, pad),
  defineOp('Trilu', 14, trilu),
  defineOp('CumSum', 11, cumulative(false)),
  defineOp('CumProd', 24, cumulative(true)),
  defineOp('TopK', 1, topK),
  defineOp('OneHot', 9, oneHot),
  defineOp('Compress', 9, compress),
  defineOp('NonZero', 9, nonZero),
  defineOp('ReverseSequence', 10, reverseSequence),
  defineOp('Unique', 11, unique),
];
