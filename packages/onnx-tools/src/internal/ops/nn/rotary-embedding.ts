// RotaryEmbedding (opset 23): rotate pairs of each head's first rotary_embedding_dim features by
// the cached angles of their position (halves, or interleaved pairs), leaving the rest as is.
// Input is 4-D [batch, heads, sequence, head_size] or 3-D [batch, sequence, heads * head_size].
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

function rotaryEmbedding(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, FLOAT_TYPES);
  const cosCache = toNumbers(requireInput(context, inputs, 1));
  const sinCache = toNumbers(requireInput(context, inputs, 2));
  const cacheDims = requireInput(context, inputs, 1).dims;
  const positions = inputs[3] ? readInts(inputs[3]) : undefined;
  const interleaved = intAttr(attributes, 'interleaved', 0) === 1;
  const fourD = x.dims.length === 4;
  const headsAttribute = intAttr(attributes, 'num_heads', 0);
  if (!fourD && (x.dims.length !== 3 || headsAttribute <= 0 || x.dims[2]! % headsAttribute !== 0)) {
    throw evaluateError(context, 'input must be 4-D, or 3-D with num_heads dividing the hidden size', { found: `[${x.dims.join(', ')}], num_heads ${headsAttribute}` });
  }
  const [batch, heads, sequence, headSize] = fourD
    ? (x.dims as [number, number, number, number])
    : [x.dims[0]!, headsAttribute, x.dims[1]!, x.dims[2]! / headsAttribute];
  const rotary = intAttr(attributes, 'rotary_embedding_dim', 0) || headSize;
  const half = rotary / 2;
  const cacheWidth = cacheDims[cacheDims.length - 1]!;
  const values = toNumbers(x);
  const out = Float64Array.from(values);
  const index = (b: number, h: number, s: number, d: number) => (fourD ? ((b * heads + h) * sequence + s) * headSize + d : ((b * sequence + s) * heads + h) * headSize + d);
  for (let b = 0; b < batch; b++)
    for (let s = 0; s < sequence; s++) {
      // Cache row: cache[position_ids[b, s]] or, without position ids, cache[b, s].
      const row = (positions ? positions[b * sequence + s]! : b * sequence + s) * cacheWidth;
      for (let h = 0; h < heads; h++)
        for (let i = 0; i < half; i++) {
          const [first, second] = interleaved ? [2 * i, 2 * i + 1] : [i, i + half];
          const x1 = values[index(b, h, s, first)]!;
          const x2 = values[index(b, h, s, second)]!;
          const cos = cosCache[row + i]!;
          const sin = sinCache[row + i]!;
          out[index(b, h, s, first)] = cos * x1 - sin * x2;
          out[index(b, h, s, second)] = sin * x1 + cos * x2;
        }
    }
  return [fromNumbers(x.type, x.dims, out)];
}

export const op = defineOp('RotaryEmbedding', 23, rotaryEmbedding);
