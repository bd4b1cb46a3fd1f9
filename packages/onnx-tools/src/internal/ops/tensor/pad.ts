// Pad: constant, edge, reflect or wrap padding (pads as attribute before opset 11, input after; axes from 18).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intsAttr, readInts, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { allocate, fromNumbers, makeTensor, sizeOf, toNumbers } from '../util/dtype.js';
import { normalizeAxis, stridesOf } from '../util/shape.js';

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

export const op = defineOp('Pad', 1, pad);
